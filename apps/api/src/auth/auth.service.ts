import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { normalizeEmail, UsersService } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import type { User, UserRole } from '@lockbox/db';
import { LoginThrottleService } from './login-throttle.service';

export interface AccessTokenClaims {
  sub: string;
  role: UserRole;
  typ: 'access';
}

export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottleService,
  ) {}

  register(email: string, password: string, role: 'user' | 'developer'): Promise<User> {
    return this.users.create(email, password, role);
  }

  async login(email: string, password: string, address: string): Promise<AccessToken> {
    const account = normalizeEmail(email);
    await this.throttle.assertAllowed(account, address);
    const user = await this.users.authenticate(account, password);
    if (!user) {
      await this.throttle.recordFailure(account, address);
      throw new UnauthorizedException('Email or password is wrong');
    }
    await this.throttle.recordSuccess(account, address);
    const claims: AccessTokenClaims = { sub: user.id, role: user.role, typ: 'access' };
    const expiresIn = this.config.auth.accessTokenTtlSeconds;
    return { accessToken: await this.jwt.signAsync(claims, { expiresIn }), tokenType: 'Bearer', expiresIn };
  }
}

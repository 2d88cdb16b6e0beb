import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { type AccessToken, normalizeEmail } from '@lockbox/accounts';
import { Public } from './auth.decorators';
import { clientAddress } from './client-address';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';

/** The same answer whether the email was free or taken, so registration does not reveal who has an account. */
export interface RegistrationView {
  email: string;
  role: 'user' | 'developer';
  message: string;
}

const REGISTRATION_MESSAGE = 'Unless this email already had an account, one now exists: log in with it and this password.';

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiCreatedResponse({ description: 'The same answer for a new email and for one already registered (which is left untouched)' })
  @ApiTooManyRequestsResponse({ description: 'LOCKBOX_REGISTRATIONS_PER_HOUR reached for this client address' })
  async register(@Body() body: RegisterDto, @Req() request: Request): Promise<RegistrationView> {
    await this.auth.register(body.email, body.password, body.role, clientAddress(request));
    return { email: normalizeEmail(body.email), role: body.role, message: REGISTRATION_MESSAGE };
  }

  @Post('login')
  @HttpCode(200)
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this account or client address: retry after Retry-After seconds' })
  login(@Body() body: LoginDto, @Req() request: Request): Promise<AccessToken> {
    return this.auth.login(body.email, body.password, clientAddress(request));
  }
}

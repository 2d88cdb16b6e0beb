import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from './auth.decorators';
import { type AccessToken, AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { toUserView, type UserView } from './user.view';

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  async register(@Body() body: RegisterDto): Promise<UserView> {
    return toUserView(await this.auth.register(body.email, body.password, body.role));
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto, @Req() request: Request): Promise<AccessToken> {
    return this.auth.login(body.email, body.password, request.ip ?? 'unknown');
  }
}

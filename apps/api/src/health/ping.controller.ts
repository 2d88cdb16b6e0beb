import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';

/**
 * `GET /ping`: answers 200 without touching any dependency. For load balancers' liveness probes, which
 * must not fail an instance when a shared database blips (that is what `GET /health` reports), and as
 * the framework's own ceiling in the API benchmark (bench/api.bench.ts).
 */
@ApiTags('health')
@Public()
@Controller('ping')
export class PingController {
  @Get()
  @HttpCode(200)
  @ApiOkResponse({ description: 'The API process is up', schema: { example: { status: 'ok' } } })
  ping(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators';
import { type HealthReport, type HealthStatus, HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /**
   * Up or down, and nothing else: which dependency failed, its error and the workers' hosts are for
   * admins (`GET /health/details`). Cheap: the answer is reused for a second, however many ask.
   */
  @Get()
  @Public()
  @ApiOkResponse({ description: 'Every dependency of the API answers', schema: { example: { status: 'up' } } })
  @ApiServiceUnavailableResponse({ description: 'A dependency does not answer', schema: { example: { status: 'down' } } })
  async check(@Res({ passthrough: true }) response: Response): Promise<{ status: HealthStatus }> {
    const status = await this.health.status();
    if (status === 'down') response.status(503).setHeader('Retry-After', '5');
    return { status };
  }

  /** 200 when every dependency of the API answers; 503 naming the ones that do not. Each dependency and the live workers. */
  @Get('details')
  @Roles('admin')
  @ApiBearerAuth()
  async details(
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthReport | (HealthReport & { statusCode: number; error: string; message: string })> {
    const report = await this.health.report();
    if (report.status === 'ok') return report;
    const down = Object.entries(report.checks)
      .filter(([, check]) => check.status === 'down')
      .map(([name]) => name);
    response.status(503).setHeader('Retry-After', '5');
    return { statusCode: 503, error: 'Service Unavailable', message: `Unavailable: ${down.join(', ')}`, ...report };
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { type HealthReport, HealthService } from './health.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when every dependency of the API answers; 503 naming the ones that do not. */
  @Get()
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthReport | (HealthReport & { statusCode: number; error: string; message: string })> {
    const report = await this.health.report();
    if (report.status === 'ok') return report;
    const down = Object.entries(report.checks)
      .filter(([, check]) => check.status === 'down')
      .map(([name]) => name);
    response.status(503).setHeader('Retry-After', '5');
    return { statusCode: 503, error: 'Service Unavailable', message: `Unavailable: ${down.join(', ')}`, ...report };
  }
}

import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';

/** In-app notifications: `GET /notifications`, `POST /notifications/:id/read`, `POST /notifications/read-all`. */
@Module({
  imports: [DatabaseModule],
  controllers: [NotificationsController],
  providers: [NotificationsService],
})
export class NotificationsModule {}

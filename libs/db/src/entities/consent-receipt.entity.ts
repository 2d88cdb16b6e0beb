import type { ConsentScopes } from '@lockbox/analysis-sdk';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What the user agreed to for one run: exactly these fields, for this image, at this moment. */
@Entity({ name: 'consent_receipts' })
export class ConsentReceipt {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'uuid', unique: true })
  runId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'analysis_version_id', type: 'uuid' })
  analysisVersionId: string;

  @Column({ name: 'image_id', type: 'text' })
  imageId: string;

  @Column({ type: 'jsonb' })
  scopes: ConsentScopes;

  @Column({ name: 'granted_at', type: 'timestamptz' })
  grantedAt: Date;
}

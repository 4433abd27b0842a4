import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What a lead submitted, with the consent proof that would stand up under TCPA scrutiny. */
@Entity('submissions')
export class SubmissionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'form_id' }) formId!: string;
  @Column({ type: 'int', name: 'form_version' }) formVersion!: number;
  @Column({ type: 'uuid', name: 'lead_id' }) leadId!: string;
  @Column({ type: 'jsonb' }) values!: Record<string, unknown>;
  /** { text, checked, at, ip, userAgent, pageUrl, formVersion } */
  @Column({ type: 'jsonb' }) consent!: Record<string, unknown>;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) utm!: Record<string, unknown>;
  @Column({ type: 'text', nullable: true }) referrer!: string | null;
  @Column({ type: 'text', name: 'idempotency_key', nullable: true }) idempotencyKey!: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}

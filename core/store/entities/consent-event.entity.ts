import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The consent ledger: every opt-in and opt-out with its source, time and proof. Append-only. */
@Entity('consent_events')
export class ConsentEventEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'lead_id' }) leadId!: string;
  @Column({ type: 'text' }) kind!: 'opt_in' | 'opt_out';
  @Column({ type: 'text' }) source!: 'form' | 'keyword' | 'natural_language' | 'agent' | 'carrier_error' | 'api';
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) proof!: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}

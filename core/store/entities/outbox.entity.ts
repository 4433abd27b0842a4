import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The transactional outbox: one row per (event, handler). Written in the same transaction as the state
 * change that caused it; the relay moves due rows to the queue; a handler marks its row done.
 */
@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'uuid', name: 'tenant_id', nullable: true }) tenantId!: string | null;
  /** The handler (job) name this row is for. */
  @Column({ type: 'text' }) topic!: string;
  @Column({ type: 'text' }) queue!: string;
  @Column({ type: 'text', name: 'event_type' }) eventType!: string;
  @Column({ type: 'jsonb' }) payload!: Record<string, unknown>;
  @Column({ type: 'text', default: 'pending' }) status!: 'pending' | 'done' | 'dead';
  @Column({ type: 'int', default: 0 }) attempts!: number;
  @Column({ type: 'int', name: 'max_attempts', default: 8 }) maxAttempts!: number;
  @Column({ type: 'timestamptz', name: 'available_at' }) availableAt!: Date;
  @Column({ type: 'timestamptz', name: 'dispatched_at', nullable: true }) dispatchedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'processed_at', nullable: true }) processedAt!: Date | null;
  @Column({ type: 'text', name: 'last_error', nullable: true }) lastError!: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}

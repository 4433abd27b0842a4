import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { DraftStatus } from '../../domain/types';

/** An AI reply awaiting a decision. */
@Entity('drafts')
export class DraftEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'conversation_id' }) conversationId!: string;
  @Column({ type: 'uuid', name: 'inbound_message_id', nullable: true }) inboundMessageId!: string | null;
  @Column({ type: 'text' }) body!: string;
  @Column({ type: 'text', default: 'pending' }) status!: DraftStatus;
  @Column({ type: 'text', default: '' }) reason!: string;
  @Column({ type: 'real', default: 0 }) confidence!: number;
  @Column({ type: 'jsonb', name: 'held_by', default: () => "'[]'::jsonb" }) heldBy!: string[];
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) meta!: Record<string, unknown>;
  @Column({ type: 'uuid', name: 'sent_message_id', nullable: true }) sentMessageId!: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One SMS thread with a lead. `version` is the optimistic-concurrency token agents send back. */
@Entity('conversations')
export class ConversationEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'lead_id' }) leadId!: string;
  @Column({ type: 'text', default: 'ai' }) mode!: 'ai' | 'human';
  @Column({ type: 'text', default: 'open' }) status!: 'open' | 'needs_human' | 'closed';
  @Column({ type: 'text', name: 'autonomy_override', nullable: true }) autonomyOverride!: 'autopilot' | 'copilot' | 'off' | null;
  @Column({ type: 'uuid', name: 'assignee_agent_id', nullable: true }) assigneeAgentId!: string | null;
  @Column({ type: 'int', default: 1 }) version!: number;
  @Column({ type: 'jsonb', name: 'last_decision', nullable: true }) lastDecision!: Record<string, unknown> | null;
  @Column({ type: 'timestamptz', name: 'handed_back_at', nullable: true }) handedBackAt!: Date | null;
  @Column({ type: 'int', name: 'followup_step', default: 0 }) followupStep!: number;
  @Column({ type: 'timestamptz', name: 'last_inbound_at', nullable: true }) lastInboundAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'last_outbound_at', nullable: true }) lastOutboundAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { MessageAuthor, MessageDirection, MessageStatus } from '../../domain/types';

/** One text, in or out. `providerMessageId` (Twilio MessageSid) is unique: the webhook replay defence. */
@Entity('messages')
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'conversation_id' }) conversationId!: string;
  @Column({ type: 'uuid', name: 'lead_id' }) leadId!: string;
  @Column({ type: 'text' }) direction!: MessageDirection;
  @Column({ type: 'text' }) author!: MessageAuthor;
  @Column({ type: 'uuid', name: 'author_agent_id', nullable: true }) authorAgentId!: string | null;
  @Column({ type: 'text', name: 'author_name', nullable: true }) authorName!: string | null;
  @Column({ type: 'text' }) body!: string;
  @Column({ type: 'text' }) status!: MessageStatus;
  @Column({ type: 'text', nullable: true }) provider!: string | null;
  @Column({ type: 'text', name: 'provider_message_id', nullable: true, unique: true }) providerMessageId!: string | null;
  @Column({ type: 'text', name: 'error_code', nullable: true }) errorCode!: string | null;
  @Column({ type: 'timestamptz', name: 'scheduled_for', nullable: true }) scheduledFor!: Date | null;
  /** When the send job last handed it to the provider: what the per-lead caps count (not `updatedAt`, which callbacks move). */
  @Column({ type: 'timestamptz', name: 'sent_at', nullable: true }) sentAt!: Date | null;
  /** Why this message exists: AI stage outputs, the kind (opener, follow-up, opt-out confirmation ...). */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) meta!: Record<string, unknown>;
  @Column({ type: 'int', default: 1 }) segments!: number;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}

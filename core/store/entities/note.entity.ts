import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Agent-to-agent talk on a conversation. Never sent to the lead. */
@Entity('notes')
export class NoteEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'conversation_id' }) conversationId!: string;
  @Column({ type: 'uuid', name: 'author_agent_id', nullable: true }) authorAgentId!: string | null;
  @Column({ type: 'text', name: 'author_name' }) authorName!: string;
  @Column({ type: 'text' }) surface!: string;
  @Column({ type: 'text' }) body!: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}

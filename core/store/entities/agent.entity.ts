import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A person who approves, edits or takes over conversations, with their identities on each platform. */
@Entity('agents')
export class AgentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ type: 'text', default: 'agent' }) role!: 'admin' | 'agent' | 'viewer';
  @Column({ type: 'text', name: 'slack_user_id', nullable: true }) slackUserId!: string | null;
  @Column({ type: 'text', name: 'hubspot_user_id', nullable: true }) hubspotUserId!: string | null;
  @Column({ type: 'text', name: 'salesforce_user_id', nullable: true }) salesforceUserId!: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  /** Set when the person left the team: kept for history, no longer mapped from any platform. */
  @Column({ type: 'timestamptz', name: 'removed_at', nullable: true }) removedAt!: Date | null;
}

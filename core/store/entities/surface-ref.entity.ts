import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Where a conversation lives on a pushing surface, e.g. the Slack channel + message ts. */
@Entity('surface_refs')
export class SurfaceRefEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'conversation_id' }) conversationId!: string;
  @Column({ type: 'text' }) surface!: string;
  @Column({ type: 'jsonb' }) ref!: Record<string, unknown>;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant API key. Only a SHA-256 digest of the secret part is stored; the prefix finds the row. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', unique: true }) prefix!: string;
  @Column({ type: 'text' }) hash!: string;
  @Column({ type: 'text' }) role!: 'admin' | 'agent' | 'viewer';
  @Column({ type: 'uuid', name: 'agent_id', nullable: true }) agentId!: string | null;
  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}

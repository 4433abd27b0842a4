import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A lead's record in a CRM, and how its last sync went. */
@Entity('crm_links')
export class CrmLinkEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'lead_id' }) leadId!: string;
  @Column({ type: 'text' }) provider!: 'hubspot' | 'salesforce';
  @Column({ type: 'text', name: 'external_id', nullable: true }) externalId!: string | null;
  @Column({ type: 'text', default: 'pending' }) status!: 'ok' | 'pending' | 'failed';
  @Column({ type: 'text', nullable: true }) error!: string | null;
  /** The sync run talking to the CRM for this lead right now, and until when its claim holds. */
  @Column({ type: 'uuid', name: 'sync_claim', nullable: true }) syncClaim!: string | null;
  @Column({ type: 'timestamptz', name: 'sync_claimed_until', nullable: true }) syncClaimedUntil!: Date | null;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}

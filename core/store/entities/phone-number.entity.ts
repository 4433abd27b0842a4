import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A sending number: routes an inbound `To` to its tenant. */
@Entity('phone_numbers')
export class PhoneNumberEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'text', unique: true }) e164!: string;
  @Column({ type: 'text', default: 'twilio' }) provider!: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}

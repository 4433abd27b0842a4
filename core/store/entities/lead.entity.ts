import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Signal } from '../../domain/types';

/** A person who may be texted. Unique per tenant + E.164 phone. */
@Entity('leads')
export class LeadEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'text' }) phone!: string;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ type: 'text', name: 'first_name', nullable: true }) firstName!: string | null;
  @Column({ type: 'text', name: 'last_name', nullable: true }) lastName!: string | null;
  @Column({ type: 'text', nullable: true }) company!: string | null;
  @Column({ type: 'text', nullable: true }) source!: string | null;
  @Column({ type: 'text', nullable: true }) timezone!: string | null;
  @Column({ type: 'text', nullable: true }) language!: string | null;
  @Column({ type: 'int', default: 0 }) score!: number;
  @Column({ type: 'text', default: 'COLD' }) tag!: 'HOT' | 'WARM' | 'COLD';
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" }) signals!: Signal[];
  @Column({ type: 'boolean', name: 'opted_out', default: false }) optedOut!: boolean;
  @Column({ type: 'text', name: 'consent_state', default: 'none' }) consentState!: 'granted' | 'revoked' | 'none';
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) attributes!: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
}

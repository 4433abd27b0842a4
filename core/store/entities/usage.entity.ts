import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Daily usage counters per tenant (AI tokens, texts sent), for budgets and billing. */
@Entity('usage')
export class UsageEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'date' }) day!: string;
  @Column({ type: 'text' }) metric!: string;
  @Column({ type: 'bigint', default: 0 }) quantity!: string;
}

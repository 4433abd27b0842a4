import { AgentEntity } from './agent.entity';
import { ApiKeyEntity } from './api-key.entity';
import { AuditLogEntity } from './audit-log.entity';
import { ConsentEventEntity } from './consent-event.entity';
import { ConversationEntity } from './conversation.entity';
import { CrmLinkEntity } from './crm-link.entity';
import { DraftEntity } from './draft.entity';
import { FormEntity } from './form.entity';
import { IntegrationEntity } from './integration.entity';
import { LeadEntity } from './lead.entity';
import { MessageEntity } from './message.entity';
import { NoteEntity } from './note.entity';
import { OutboxEntity } from './outbox.entity';
import { PhoneNumberEntity } from './phone-number.entity';
import { SubmissionEntity } from './submission.entity';
import { SurfaceRefEntity } from './surface-ref.entity';
import { TenantEntity } from './tenant.entity';
import { UsageEntity } from './usage.entity';

export {
  AgentEntity,
  ApiKeyEntity,
  AuditLogEntity,
  ConsentEventEntity,
  ConversationEntity,
  CrmLinkEntity,
  DraftEntity,
  FormEntity,
  IntegrationEntity,
  LeadEntity,
  MessageEntity,
  NoteEntity,
  OutboxEntity,
  PhoneNumberEntity,
  SubmissionEntity,
  SurfaceRefEntity,
  TenantEntity,
  UsageEntity,
};

export const ALL_ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  AgentEntity,
  IntegrationEntity,
  PhoneNumberEntity,
  FormEntity,
  SubmissionEntity,
  LeadEntity,
  ConsentEventEntity,
  ConversationEntity,
  MessageEntity,
  NoteEntity,
  DraftEntity,
  OutboxEntity,
  AuditLogEntity,
  CrmLinkEntity,
  UsageEntity,
  SurfaceRefEntity,
];

import { hubspot } from '@hubspot/ui-extensions';
import { TandemConversationCard } from './TandemConversationCard';

// Contact record, middle column tab (tab-card-hsmeta.json).
hubspot.extend<'crm.record.tab'>(() => <TandemConversationCard />);

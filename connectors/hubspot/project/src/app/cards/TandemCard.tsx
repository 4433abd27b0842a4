import { hubspot } from '@hubspot/ui-extensions';
import { TandemConversationCard } from './TandemConversationCard';

// Contact record, right sidebar (card-hsmeta.json).
hubspot.extend<'crm.record.sidebar'>(() => <TandemConversationCard />);

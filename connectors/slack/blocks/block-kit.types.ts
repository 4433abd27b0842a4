import type { types } from '@slack/bolt';

// Block Kit types through Bolt's re-export, so the connector depends only on the packages it declares.
export type KnownBlock = types.KnownBlock;
export type ActionsBlock = types.ActionsBlock;
export type Button = types.Button;
export type StaticSelect = types.StaticSelect;
export type PlainTextOption = types.PlainTextOption;
export type ModalView = types.ModalView;

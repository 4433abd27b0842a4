/** Entry of widget-phone.js: the shared phone parser, handed to the widget through window. */
import { createPhoneParser } from '../../core/forms/phone-parser';

window.TandemPhone = { createPhoneParser };

/** QR codes as SVG (two modules of quiet zone). */
import { renderSVG } from 'uqr';
import { Memo } from '../domain/memo';

/** The QR code of any text, encoded now (the public `/qrcode` route: caller-chosen text is not kept). */
export const qrSvg = (text: string): string => renderSVG(text, { border: 2 });

const sessionCodes = new Memo<string, string>(512);

/**
 * The QR code of a session's payload, encoded once per isolate: encoding was about half the
 * cashier page's CPU, and a merchant has few payloads (one per session and fixed amount), all
 * set by the operator.
 */
export const sessionQrSvg = (payload: string): string => sessionCodes.getOr(payload, () => qrSvg(payload));

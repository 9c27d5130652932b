/**
 * QR codes as SVG. Encoding is the dearest step of the cashier page (about half its CPU) and a
 * merchant has few distinct payloads (one per session and fixed amount), so each text is
 * encoded once per isolate.
 */
import { renderSVG } from 'uqr';
import { Memo } from '../domain/memo';

const encoded = new Memo<string, string>(512);

/** The QR code of `text` as an SVG element (two modules of quiet zone). */
export const qrSvg = (text: string): string => encoded.getOr(text, () => renderSVG(text, { border: 2 }));

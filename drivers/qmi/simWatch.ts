/**
 * The card in one slot over QMI: card status indications (after Register Events) and Get Card
 * Status polls feed a SimWatch (drivers/wwan/simWatch.ts).
 */
import { isLpaError } from '../../src/errors.js';
import { SimWatch } from '../wwan/simWatch.js';
import { QmiService, findTlv } from './codec.js';
import type { QmiConnection } from './connection.js';
import { EVENT_CARD_STATUS, UIM, cardReady, parseCardStatus, registerEventsTlvs } from './messages.js';

export class QmiSimWatch extends SimWatch {
  private readonly conn: QmiConnection;
  private readonly cid: number;
  private readonly stop: () => void;

  constructor(conn: QmiConnection, cid: number, slot: number, pollIntervalMs: number) {
    super(async (timeoutMs) => {
      const m = await conn.request(QmiService.UIM, cid, UIM.getCardStatus, [], 'UIM Get Card Status', { timeoutMs });
      return cardReady(parseCardStatus(findTlv(m, 0x10)), slot);
    }, pollIntervalMs);
    this.conn = conn;
    this.cid = cid;
    this.stop = conn.onIndication((m) => {
      if (m.service !== QmiService.UIM || m.messageId !== UIM.cardStatusIndication) return;
      if (m.clientId !== cid && m.clientId !== 0xff) return;
      try {
        this.seen(cardReady(parseCardStatus(findTlv(m, 0x10)), slot));
      } catch {
        // a broken indication changes nothing; the polls still run
      }
    });
  }

  /** Asks for card status indications; false when the modem refuses (polling only then). */
  async register(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.conn.request(QmiService.UIM, this.cid, UIM.registerEvents, registerEventsTlvs(EVENT_CARD_STATUS), 'UIM Register Events', {
        timeoutMs: Math.min(5000, opts.timeoutMs ?? 5000),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      this.indications = true;
    } catch (e) {
      // a modem that refuses (or ignores) the registration is polled instead
      if (!isLpaError(e, 'QMI_ERROR') && !isLpaError(e, 'TRANSPORT_TIMEOUT')) throw e;
      this.indications = false;
    }
    return this.indications;
  }

  override dispose(): void {
    this.stop();
    super.dispose();
  }
}

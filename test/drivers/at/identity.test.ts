import { describe, expect, it } from 'vitest';
import { parseAti, parseWs46 } from '../../../drivers/at/identity.js';

describe('module identity over AT', () => {
  it('ATI gives maker, model and firmware where +CGMI/+CGMM/+CGMR do not', () => {
    expect(parseAti(['Quectel', 'EG25', 'Revision: EG25GGBR07A08M2G'])).toEqual({ manufacturer: 'Quectel', model: 'EG25', firmware: 'EG25GGBR07A08M2G' });
    expect(parseAti(['ATI', 'SIMCOM INCORPORATED', 'MODEL: SIM7600E-H', 'Revision:SIM7600M22_V1.1'])).toEqual({ manufacturer: 'SIMCOM INCORPORATED', model: 'SIM7600E-H', firmware: 'SIM7600M22_V1.1' });
    expect(parseAti([])).toEqual({});
  });

  it('AT+WS46=? lists the radio access technologies', () => {
    expect(parseWs46(['+WS46: (12,22,25,28,29,30,31)'])).toEqual(['gsm', 'utran', 'eutran']);
  });
});

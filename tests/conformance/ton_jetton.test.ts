/** A USDT-like jetton passes the conformance suite on the TON devnet. */

import { runConformance } from "./conformance.ts";
import { tonJettonSubject } from "./subjects/ton.ts";

runConformance(tonJettonSubject);

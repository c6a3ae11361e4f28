/** A USDT-like TRC20 passes the conformance suite on the TRON devnet. */

import { runConformance } from "./conformance.ts";
import { trc20Subject } from "./subjects/tron.ts";

runConformance(trc20Subject);

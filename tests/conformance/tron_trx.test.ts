/** TRX passes the conformance suite on the TRON devnet. */

import { runConformance } from "./conformance.ts";
import { trxSubject } from "./subjects/tron.ts";

runConformance(trxSubject);

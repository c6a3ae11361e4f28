/** TON (native coin) passes the conformance suite on the TON devnet. */

import { runConformance } from "./conformance.ts";
import { tonSubject } from "./subjects/ton.ts";

runConformance(tonSubject);

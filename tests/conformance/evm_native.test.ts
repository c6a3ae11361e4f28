/** The native coin passes the conformance suite on the EVM devnet. */

import { runConformance } from "./conformance.ts";
import { evmNativeSubject } from "./subjects/evm.ts";

runConformance(evmNativeSubject);

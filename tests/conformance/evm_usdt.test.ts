/** A USDT-like ERC-20 (no bool returned) passes the conformance suite on the EVM devnet. */

import { runConformance } from "./conformance.ts";
import { evmUsdtSubject } from "./subjects/evm.ts";

runConformance(evmUsdtSubject);

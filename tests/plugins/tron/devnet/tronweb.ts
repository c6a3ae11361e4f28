/**
 * tronweb for the devnet tests only, until the TRON sender uses it.
 *
 * @module
 */
export { TronWeb, utils as tronWebUtils } from "tronweb";

// @peculiar/x509 (certificates over WebCrypto) behind its one prerequisite: its dependency tsyringe
// refuses to load without the Reflect metadata polyfill, which must be evaluated first.
import "reflect-metadata";
export * from "@peculiar/x509";

// End-to-end tests of `ai-memory federation init|fingerprint` as a subprocess with the cli
// permission set: files and modes, no overwrite, the printed fingerprint, CA signing, bad input.
import assert from "node:assert/strict";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { runCli, tempDataDir } from "../support/processes.ts";
import * as x509 from "../../src/deps/x509.ts";
import { certFingerprint, createSiteCa, loadNodeTls } from "../../src/federation/node_identity.ts";

interface InitResult {
  key: string;
  cert: string;
  fingerprint: string;
  snippet: { federation: { cert: string; key: string; ca?: string } };
}

Deno.test("federation init writes a 0600 key and a certificate once, and prints the fingerprint peers allowlist", async () => {
  const dir = `${await tempDataDir()}/node1`;
  const init = json<InitResult>(
    await runCli([
      "federation",
      "init",
      "--dir",
      dir,
      "--cn",
      "node1",
      "--san",
      "127.0.0.1,node1.example",
      "--json",
    ]),
    "federation init",
  );
  assert.equal(init.key, `${dir}/node.key`);
  assert.equal((Deno.statSync(init.key).mode! & 0o777).toString(8), "600");
  const certPem = Deno.readTextFileSync(init.cert);
  assert.match(init.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(init.fingerprint, certFingerprint(certPem));
  assert.equal(
    succeeded(await runCli(["federation", "fingerprint", "--cert", init.cert]), "fingerprint").trim(),
    init.fingerprint,
  );
  // The key belongs to the certificate, and the snippet's paths load as a federation identity.
  const tls = await loadNodeTls(init.snippet.federation);
  assert.equal(tls.fingerprint, init.fingerprint);
  const cert = new x509.X509Certificate(certPem);
  assert.equal(cert.subject, "CN=node1");
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!;
  assert.deepEqual(san.names.items.map((n) => [n.type, n.value]), [["ip", "127.0.0.1"], [
    "dns",
    "node1.example",
  ]]);
  assert.ok(await cert.verify({ signatureOnly: true }), "self-signed");

  const keyBefore = Deno.readTextFileSync(init.key);
  refused(await runCli(["federation", "init", "--dir", dir]), "second init", {
    mentions: [`${dir}/node.key`, "already exists"],
  });
  assert.equal(Deno.readTextFileSync(init.key), keyBefore, "the key is not overwritten");
  assert.equal(Deno.readTextFileSync(init.cert), certPem);
  const text = succeeded(await runCli(["federation", "init", "--dir", `${dir}-b`]), "init, table output");
  assert.match(text, /fingerprint: [0-9a-f]{64}/);
});

Deno.test("federation init signs with a site CA when given one", async () => {
  const dir = await tempDataDir();
  const ca = await createSiteCa({ commonName: "site ca", days: 30 });
  Deno.writeTextFileSync(`${dir}/ca.crt`, ca.certPem);
  Deno.writeTextFileSync(`${dir}/ca.key`, ca.keyPem);
  const init = json<InitResult>(
    await runCli([
      "federation",
      "init",
      "--dir",
      `${dir}/node2`,
      "--ca-cert",
      `${dir}/ca.crt`,
      "--ca-key",
      `${dir}/ca.key`,
      "--json",
    ]),
    "init with CA",
  );
  const cert = new x509.X509Certificate(Deno.readTextFileSync(init.cert));
  const caCert = new x509.X509Certificate(ca.certPem);
  assert.equal(cert.issuer, caCert.subject);
  assert.ok(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true }), "signed by the site CA");
  assert.equal(init.snippet.federation.ca, `${dir}/ca.crt`);
  // A CA key that is not the CA certificate's is refused before anything is written.
  const other = await createSiteCa({ commonName: "other", days: 30 });
  Deno.writeTextFileSync(`${dir}/other.key`, other.keyPem);
  refused(
    await runCli([
      "federation",
      "init",
      "--dir",
      `${dir}/node3`,
      "--ca-cert",
      `${dir}/ca.crt`,
      "--ca-key",
      `${dir}/other.key`,
    ]),
    "mismatched CA key",
    { mentions: ["ca-key", "does not belong to ca-cert"] },
  );
  assert.throws(() => Deno.statSync(`${dir}/node3/node.key`), Deno.errors.NotFound);
});

Deno.test("federation init and fingerprint refuse bad input with exit 2, naming the option", async () => {
  const dir = await tempDataDir();
  const cases: [string[], string[]][] = [
    [["--days", "0"], ["days", "1 to 3650"]],
    [["--days", "ten"], ["days"]],
    [["--san", "bad name!"], ["san", "bad name!"]],
    [["--cn", ""], ["cn"]],
    [["--ca-cert", `${dir}/missing.crt`], ["ca-cert", "ca-key", "both or neither"]],
    [["--ca-cert", `${dir}/missing.crt`, "--ca-key", `${dir}/missing.key`], ["ca-cert", "no such file"]],
  ];
  for (const [args, mentions] of cases) {
    refused(await runCli(["federation", "init", "--dir", `${dir}/n`, ...args]), args.join(" "), { mentions });
  }
  assert.throws(() => Deno.statSync(`${dir}/n`), Deno.errors.NotFound, "nothing written");
  Deno.writeTextFileSync(`${dir}/not-a-cert.pem`, "hello");
  refused(
    await runCli(["federation", "fingerprint", "--cert", `${dir}/not-a-cert.pem`]),
    "fingerprint of junk",
    {
      mentions: ["cert", "not a PEM X.509 certificate"],
    },
  );
  refused(await runCli(["federation", "init"]), "no --dir", { mentions: ["--dir"] });
});

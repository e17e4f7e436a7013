// An outside wallet: ethers.js 6 signs a seller's quote and a carrier's relayed checkpoint as any
// EIP-712 wallet would (eth_signTypedData_v4 semantics), and sends the buyer's funding and the
// relayer's recordSigned through the contracts' named ABI functions.
//
// Reads one JSON job on stdin (see tests/contracts/test_ethers_wallet.py) and prints one JSON
// result. The typed-data types below are written out here from docs/CONTRACTS.md, not taken from
// the Python toolkit, so a mismatch between the two shows up as a refused quote.
import { Contract, JsonRpcProvider, TypedDataEncoder, Wallet } from "ethers";

const ORDER_TYPES = {
  Order: [
    { name: "buyer", type: "address" },
    { name: "seller", type: "address" },
    { name: "token", type: "address" },
    { name: "price", type: "uint96" },
    { name: "terms", type: "Terms" },
  ],
  Terms: [
    { name: "carrier", type: "address" },
    { name: "arbitrator", type: "address" },
    { name: "incoterm", type: "uint8" },
    { name: "shipWithin", type: "uint32" },
    { name: "deliverWithin", type: "uint32" },
    { name: "inspectionWindow", type: "uint32" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "documentHash", type: "bytes32" },
    { name: "origin", type: "bytes5" },
    { name: "destination", type: "bytes5" },
    { name: "maxFeeBps", type: "uint16" },
    { name: "rulingTimeout", type: "uint32" },
    { name: "milestones", type: "Milestone[]" },
    { name: "arbitratorExtraData", type: "bytes" },
    { name: "customs", type: "address[]" },
    { name: "inspectors", type: "address[]" },
  ],
  Milestone: [
    { name: "stage", type: "uint8" },
    { name: "bps", type: "uint16" },
  ],
};

const CHECKPOINT_TYPES = {
  Checkpoint: [
    { name: "orderId", type: "bytes32" },
    { name: "kind", type: "uint8" },
    { name: "location", type: "bytes5" },
    { name: "document", type: "bytes32" },
    { name: "uri", type: "string" },
    { name: "deadline", type: "uint64" },
    { name: "nonce", type: "uint256" },
  ],
};

const ESCROW_ABI = [
  "function fundWithQuote(bytes order, string termsURI, bytes quote) payable",
  "function orderFormId(bytes order) view returns (bytes32 id, bytes32 termsHash)",
];
const TRACKER_ABI = [
  "function recordSigned(bytes order, (uint8 kind, bytes5 location, bytes32 document, string uri) checkpoint, address signer, uint64 deadline, uint256 nonce, bytes signature)",
];

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function main() {
  const job = await readStdin();
  const provider = new JsonRpcProvider(job.rpc, job.chainId, { staticNetwork: true });
  try {
    const seller = new Wallet(job.keys.seller, provider);
    const buyer = new Wallet(job.keys.buyer, provider);
    const carrier = new Wallet(job.keys.carrier, provider);
    const relayer = new Wallet(job.keys.relayer, provider);

    const domain = (name, verifyingContract) => ({ name, version: "1", chainId: job.chainId, verifyingContract });
    const quote = await seller.signTypedData(domain("Tradelane TradeEscrow", job.escrow), ORDER_TYPES, job.order);
    const orderId = TypedDataEncoder.hashStruct("Order", ORDER_TYPES, job.order);

    const escrow = new Contract(job.escrow, ESCROW_ABI, buyer);
    const [contractId] = await escrow.orderFormId(job.form);
    const fundTx = await escrow.fundWithQuote(job.form, job.termsURI, quote, { value: BigInt(job.value) });
    const fundReceipt = await fundTx.wait();

    const cp = job.checkpoint;
    const trackerDomain = domain("Tradelane LogisticsTracker", job.tracker);
    const checkpointSignature = await carrier.signTypedData(trackerDomain, CHECKPOINT_TYPES, {
      orderId,
      kind: cp.kind,
      location: cp.location,
      document: cp.document,
      uri: cp.uri,
      deadline: job.deadline,
      nonce: 0,
    });
    const tracker = new Contract(job.tracker, TRACKER_ABI, relayer);
    const recordTx = await tracker.recordSigned(
      job.form,
      [cp.kind, cp.location, cp.document, cp.uri],
      carrier.address,
      job.deadline,
      0,
      checkpointSignature,
    );
    const recordReceipt = await recordTx.wait();

    process.stdout.write(
      JSON.stringify({
        quote,
        orderId,
        contractId,
        fund: { hash: fundTx.hash, status: fundReceipt.status, from: fundTx.from },
        checkpointSignature,
        record: { hash: recordTx.hash, status: recordReceipt.status, from: recordTx.from },
      }),
    );
  } finally {
    provider.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 1;
});

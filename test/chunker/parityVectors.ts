// Parity vectors: the chunks fastcdc-rs's v2020 module produces, pinned as numbers.
//
// PARITY_CASES — how they were obtained: fastcdc-rs 4.0.1 (git f76938d8c2d77799852415247c9b3e1fd91b73f3,
// 2026-06-23), its src/v2020/mod.rs compiled standalone with rustc 1.95.0 (`--edition 2024 -O`) and a
// ten-line main that, for each case, reads the input bytes from a file and prints offset, length and
// hash of every chunk: `v2020::FastCDC::with_level(data, min, avg, max, level)` for the standard gear,
// and a loop over `v2020::cut_gear(.., &gear, &gear_ls)` for the keyed gear (gear parsed from the
// 2048 bytes as 256 u64 little-endian, gear_ls[i] = gear[i] << 1, masks as `with_level` computes them).
// The input files were written from fixtures.ts (SHA-256 below). That build lived outside the
// repository and is not kept; to re-check, repeat it and compare.
//
// SEKIEN_* — fastcdc-rs's own published expectations (its src/v2020/mod.rs tests) for its fixture
// test/fixtures/SekienAkashita.jpg (109466 B, public domain), which we may not ship.

import type { ChunkerParams } from '../../src/chunker/index.js';
import type { ParityInputName } from './fixtures.js';

export const PARITY_INPUT_SHA256: Record<ParityInputName, string> = {
  mixed4m: '10a3e17a04f77462887ab53ae05fd9cab1ddd8801bdbbfba514304eb24af1cd2',
  mixed1m: '3147afbca012efe8be01b279117b529724a0e2cd20ad9780f278433a366eafe0',
  mixed16k: '7e03e6b1afadf75fb20f10dba1abee08ecdea20368cae2ccfdff7b9fda6cd189',
};

export interface ParityCase {
  title: string;
  input: ParityInputName;
  params: Required<ChunkerParams>;
  /** 'standard' = STANDARD_GEAR; 'keyed' = gearFromBytes(keyedGearBytes(KEYED_GEAR_SEED)). */
  gear: 'standard' | 'keyed';
  /** [length, 64-bit hash] of every chunk, in order. */
  chunks: Array<[number, bigint]>;
}

export const PARITY_CASES: ParityCase[] = [
  {
    title: 'default params, standard gear',
    input: 'mixed4m',
    params: { min: 16384, avg: 65536, max: 262144, level: 1 },
    gear: 'standard',
    chunks: [
      [78830, 0x26f0446198501a3cn], [46969, 0xd042267884a88e95n], [90489, 0x787e24b0f0a00641n], [17780, 0xe1ae4590f8191d52n],
      [153346, 0x24b405009950e370n], [262144, 0xc4a2c382df81c824n], [142809, 0x8a4722e0d884b834n], [107873, 0xe39506c0a084415fn],
      [82684, 0x00a2414189105ea8n], [61236, 0xc45605c0f0191d4an], [110083, 0xd2f92480e80ccb49n], [22686, 0xc49605a1e9091afen],
      [96736, 0x2cf64c4018107becn], [90082, 0x1cee092069499c1en], [110733, 0x05c020e0a4a02fa0n], [148438, 0xd64c48a0f159eb92n],
      [88918, 0x074005200109b97en], [180934, 0x2d4e44a0d15049b2n], [29564, 0xbc520561f909182en], [80068, 0xd0f805a169000492n],
      [123921, 0xc8c92060dc289318n], [262144, 0xc4a2c382df81c824n], [207503, 0x95d3264074a0a7a7n], [77934, 0x6a0c4520f858cdecn],
      [262144, 0xc4a2c382df81c824n], [200366, 0xcade09e1f000f0f6n], [96603, 0xec1a02c048a80f41n], [51559, 0xb3ed02e0f4000186n],
      [47537, 0x8a0b04502ca080acn], [262144, 0xc4a2c382df81c824n], [60960, 0x6adc49f1c8480976n], [67500, 0xda6a0c01501033a0n],
      [70290, 0xea0e098168198f9cn], [158694, 0x4c2a0c819010150en], [254948, 0xc4a2c382df81c824n],
    ],
  },
  {
    title: 'default params, NC0',
    input: 'mixed4m',
    params: { min: 16384, avg: 65536, max: 262144, level: 0 },
    gear: 'standard',
    chunks: [
      [78830, 0x26f0446198501a3cn], [46969, 0xd042267884a88e95n], [36654, 0x2bac0cc90148165cn], [45890, 0xd31e0028505116aan],
      [23140, 0x926a48b808591376n], [262144, 0xb2cccbb045961991n], [124339, 0xd29a04e828a80260n], [176657, 0x0e3a02680c848864n],
      [33981, 0x1253064c10080aadn], [23593, 0x9bdb041c402c092cn], [37643, 0xd8fa20681cac092an], [154320, 0xc45605c0f0191d4an],
      [57095, 0x72fd00d4ac848dc5n], [52378, 0x8e400011d8111c6en], [23296, 0xc49605a1e9091afen], [72113, 0x21ad0688648801e9n],
      [190040, 0x59be051929191f9cn], [255216, 0xd91c408828590decn], [199148, 0xb96204a920590e06n], [28888, 0xbc520561f909182en],
      [80068, 0xd0f805a169000492n], [262144, 0x78170dbcfa8e61cen], [262144, 0x9d44018ee48eea87n], [63329, 0x47982038ec888fcdn],
      [262144, 0xc4a2c382df81c824n], [262144, 0x95194449797b33cdn], [118710, 0xd834058091501e82n], [51559, 0xb3ed02e0f4000186n],
      [47537, 0x8a0b04502ca080acn], [262144, 0xc4a2c382df81c824n], [43145, 0x19ba24ac70288190n], [17815, 0x356e24f8e42404bbn],
      [19339, 0x6275203cbca48687n], [108680, 0x04ee4998891101f4n], [168465, 0xa6150640c8080a87n], [181727, 0x7cfc22e8b0a88fcdn],
      [73221, 0xc4a2c382df81c824n],
    ],
  },
  {
    title: '4K/16K/64K-1 NC1',
    input: 'mixed1m',
    params: { min: 4096, avg: 16384, max: 65535, level: 1 },
    gear: 'standard',
    chunks: [
      [65535, 0xc4a2c382df81c824n], [65535, 0xc4a2c382df81c824n], [65535, 0xc4a2c382df81c824n], [58007, 0x28e0020838a0a345n],
      [17625, 0x43be02c83c2480d6n], [20776, 0x59180d705019744cn], [18404, 0x07fe4df0301013acn], [11647, 0x0cbd04c0e8a4579dn],
      [12741, 0xda9626f01800121bn], [30170, 0x48dc4010f0181782n], [17175, 0x56f3229c7c20a3fcn], [26535, 0x70102044f0a8956cn],
      [21008, 0xe0004c399940fa9an], [16394, 0xb05e4848c948b4aen], [17745, 0xbb4222b890a0cafan], [13338, 0xe1c84c21d8588224n],
      [65535, 0x0d1099e4d99af260n], [65535, 0xa95ea23ccb98b99fn], [32268, 0x990248e87800f0f6n], [65535, 0x03c457c05dee1e0dn],
      [46885, 0xdaf02468880cf9ebn], [31607, 0xbe5e20843800787bn], [28930, 0x726a4148e84859b8n], [28148, 0xd4940d518841040an],
      [7013, 0xa387246098080870n], [18473, 0x8e682470b020e3f3n], [17873, 0xa0fc02a06c885675n], [32680, 0x3b4a45611118b7f8n],
      [30783, 0x039420e0b424a426n], [9118, 0x40280c807850fbbcn], [6908, 0xbe540401b0419672n], [6505, 0xb02202f060a03c63n],
      [65535, 0xc4a2c382df81c824n], [11076, 0xc4a2c382df81c824n],
    ],
  },
  {
    title: '4K/16K/64K-1 NC2',
    input: 'mixed1m',
    params: { min: 4096, avg: 16384, max: 65535, level: 2 },
    gear: 'standard',
    chunks: [
      [65535, 0xc4a2c382df81c824n], [65535, 0xc4a2c382df81c824n], [65535, 0xc4a2c382df81c824n], [58007, 0x28e0020838a0a345n],
      [17625, 0x43be02c83c2480d6n], [18758, 0xb0e849cd01099fecn], [20422, 0x07fe4df0301013acn], [12985, 0xaca6006830a884cfn],
      [30154, 0x35620de4695009b4n], [11419, 0x246e2008780c0bc1n], [17175, 0x56f3229c7c20a3fcn], [20540, 0xace04d6d6908f78an],
      [18801, 0x2ff906da5c80e913n], [18596, 0x1d060ca82919340cn], [23745, 0xbb4222b890a0cafan], [11131, 0x438f006494040968n],
      [44421, 0x806c26da3480d29an], [19365, 0xfbc0049e8884678dn], [28788, 0xaafc08c5a900f0f6n], [65535, 0x60de65a9bf107a73n],
      [65535, 0x78170dbcfa8e61cen], [22504, 0xa53409d0515004c0n], [31817, 0xdaf02468880cf9ebn], [31607, 0xbe5e20843800787bn],
      [28930, 0x726a4148e84859b8n], [24748, 0x9b1a0d8df948068an], [10413, 0xa387246098080870n], [18473, 0x8e682470b020e3f3n],
      [11645, 0x5fa0041cc8200c39n], [16565, 0x8d34268a0488376fn], [20070, 0x1898052d11101d6an], [31558, 0xd7004cbdc85051a6n],
      [17102, 0xb536084990195342n], [65535, 0xc4a2c382df81c824n], [18003, 0xc4a2c382df81c824n],
    ],
  },
  {
    title: '8K/16K/32K NC3',
    input: 'mixed1m',
    params: { min: 8192, avg: 16384, max: 32768, level: 3 },
    gear: 'standard',
    chunks: [
      [32768, 0xc4a2c382df81c824n], [32768, 0xc4a2c382df81c824n], [32768, 0xc4a2c382df81c824n], [32768, 0xc4a2c382df81c824n],
      [32768, 0xc4a2c382df81c824n], [32768, 0xc4a2c382df81c824n], [32768, 0xc4a2c382df81c824n], [23659, 0xc16204c9d8acfeffn],
      [19202, 0x877c0590784901acn], [18758, 0xb0e849cd01099fecn], [18700, 0x261040b27148d5b8n], [14707, 0xaca6006830a884cfn],
      [18511, 0x1a0504f758840f19n], [17770, 0xf64049235018702en], [16516, 0x86460d6f1101176cn], [20319, 0x738026d11c88dbean],
      [16394, 0x7aaa0c4930483454n], [16781, 0xf000261ccca07d4dn], [16394, 0xb05e4848c948b4aen], [16405, 0x919e2083c4886e47n],
      [17613, 0x352506e16808b6aan], [32768, 0xa9aef23b97e5b317n], [25876, 0xf780093d1108cf1an], [28788, 0xaafc08c5a900f0f6n],
      [27241, 0x76f1227d3c2c31f8n], [18949, 0xc78c2667782cded8n], [22431, 0xef0b047694289db2n], [18968, 0x778c09a2481106acn],
      [30653, 0xd32126fd1424c6f6n], [20233, 0x5a4420234c00bdddn], [15099, 0xd29a04e828a80260n], [31817, 0xdaf02468880cf9ebn],
      [31607, 0xbe5e20843800787bn], [18832, 0xddee0d332849bcf6n], [16693, 0x48c624495828f594n], [16433, 0xc83c06bfb0801ff2n],
      [12133, 0xa387246098080870n], [18137, 0x0ec402eb8cac97e2n], [18209, 0xa0fc02a06c885675n], [18054, 0x73c605269809e5d4n],
      [17036, 0xa0d60dd3e8007970n], [26875, 0x6b80265ee42828d3n], [17102, 0xb536084990195342n], [32768, 0xc4a2c382df81c824n],
      [32768, 0xc4a2c382df81c824n], [18002, 0xc4a2c382df81c824n],
    ],
  },
  {
    title: 'non-power-of-two avg 12288 (rounds to 2^14) NC1',
    input: 'mixed1m',
    params: { min: 2048, avg: 12288, max: 49152, level: 1 },
    gear: 'standard',
    chunks: [
      [49152, 0xc4a2c382df81c824n], [49152, 0xc4a2c382df81c824n], [49152, 0xc4a2c382df81c824n], [49152, 0xc4a2c382df81c824n],
      [49152, 0xc4a2c382df81c824n], [12381, 0x91a624ac64a47ab9n], [14096, 0x877c0590784901acn], [20776, 0x59180d705019744cn],
      [18404, 0x07fe4df0301013acn], [11647, 0x0cbd04c0e8a4579dn], [12741, 0xda9626f01800121bn], [30170, 0x48dc4010f0181782n],
      [17175, 0x56f3229c7c20a3fcn], [26535, 0x70102044f0a8956cn], [21008, 0xe0004c399940fa9an], [16394, 0xb05e4848c948b4aen],
      [17745, 0xbb4222b890a0cafan], [13338, 0xe1c84c21d8588224n], [49152, 0x5317ae25668575c2n], [49152, 0x34340075ec6f78f8n],
      [49152, 0x1df2470ae02945fcn], [15882, 0x990248e87800f0f6n], [49152, 0x1ef504d66b19c070n], [31451, 0xd29a04e828a80260n],
      [31817, 0xdaf02468880cf9ebn], [31607, 0xbe5e20843800787bn], [28930, 0x726a4148e84859b8n], [15190, 0xffd601c8f1012e6an],
      [12958, 0xd4940d518841040an], [7013, 0xa387246098080870n], [18473, 0x8e682470b020e3f3n], [17873, 0xa0fc02a06c885675n],
      [32680, 0x3b4a45611118b7f8n], [30783, 0x039420e0b424a426n], [9118, 0x40280c807850fbbcn], [6908, 0xbe540401b0419672n],
      [6505, 0xb02202f060a03c63n], [49152, 0xc4a2c382df81c824n], [27459, 0xc4a2c382df81c824n],
    ],
  },
  {
    title: '64/256/1K NC1',
    input: 'mixed16k',
    params: { min: 64, avg: 256, max: 1024, level: 1 },
    gear: 'standard',
    chunks: [
      [263, 0xe2c2c00363c484ban], [274, 0x3345ead644084570n], [431, 0x768ed14d80342a0fn], [656, 0x5013145dc3905862n],
      [340, 0xe8ae0345c40055ccn], [396, 0x57a7a9a6008150b6n], [368, 0x21d285e108f810e8n], [108, 0x0725bc12d304981an],
      [294, 0x4d010aff8480586en], [336, 0x40df4c890fc91c4an], [285, 0xdf5188b7605ca0a2n], [262, 0x63f5e21207594586n],
      [258, 0x07ddb7f040411034n], [267, 0x4d18b071464c0067n], [435, 0x69971b47e620002dn], [260, 0xa674a0d3cfe84500n],
      [108, 0x326b504d8a149d9cn], [164, 0xfb3a244672109906n], [427, 0x3689a7d266d08a84n], [265, 0x7ffa006d66308083n],
      [377, 0xc6d8e5de05b80ea3n], [286, 0x37a0d04a4dd10c22n], [68, 0xdc4114c3dd908120n], [263, 0xc8e1a42322f0a864n],
      [157, 0x9febd625c58a081bn], [315, 0x079d5c2a20f82c8dn], [285, 0x11d2854ec0b02a83n], [283, 0xb7ea989c0130a06en],
      [164, 0x39241cd655918cacn], [234, 0xbcb9ec4142010736n], [205, 0xbc175a27ffc20378n], [703, 0x89f48d78a2140c84n],
      [85, 0xbed6d8617382436dn], [154, 0x7d7888ceb3800b6cn], [91, 0x49a0de28a88881d8n], [367, 0x8adb2f42e4888ab3n],
      [149, 0xed37d84cc982c99bn], [377, 0x6b3461ab46908ed7n], [65, 0x914cda6d478acc78n], [552, 0xdf28a25cca80053en],
      [256, 0xe3fb02de4b100d22n], [348, 0x805a7f9f8d905064n], [416, 0x03def1ffcb68010en], [710, 0xf38b2b4d44e94d82n],
      [195, 0xaef59a2b93400df5n], [95, 0x6ec04a271202c20fn], [98, 0x928a4c959d000b14n], [432, 0x927e819c04591972n],
      [275, 0x6265873641a826b3n], [170, 0xa9bf908759810bf8n], [512, 0x8c31150aceb11928n], [420, 0xb5cbb1e94d901d06n],
      [619, 0x9eb362cb80d48e3en], [275, 0xaeee55b983f02c2dn], [193, 0x0057d4ae14bdb113n],
    ],
  },
  {
    title: '64/256/1K NC3 (mask 5)',
    input: 'mixed16k',
    params: { min: 64, avg: 256, max: 1024, level: 3 },
    gear: 'standard',
    chunks: [
      [266, 0xcf8a849da0c34006n], [295, 0x7791726d040b0ec1n], [266, 0x864e8a2b84297844n], [320, 0x74b5bf8e448544d8n],
      [291, 0xac7cdcf2e23d30c6n], [356, 0x4302328714b51c5cn], [320, 0x2a02e1be344b290en], [287, 0x23726039b416a223n],
      [261, 0xcb0f77480e052eefn], [350, 0xfc65be3e98572cc2n], [262, 0xafddf4f748e1104en], [272, 0xc198f783d0ae2850n],
      [325, 0x160632c2ce72b0a8n], [361, 0x1c963431ae230eafn], [271, 0xfe28952a1e643cc1n], [280, 0x7e8416dc9c50545en],
      [282, 0x8ab55d4b7c1a249en], [263, 0x2262c3823c68802en], [269, 0x795f30124407384en], [411, 0xfaef3dfa664dac68n],
      [289, 0x59f6205d284c8aa2n], [267, 0x03bf8e98aa2e2865n], [264, 0x21021758f8aa559en], [331, 0x31553b9ec46c3047n],
      [296, 0xafb9353b2c330084n], [311, 0x2e542b4b90180eebn], [240, 0xa0860923d9092234n], [303, 0xbc44e5600e1eb260n],
      [276, 0x041be611f4b37886n], [279, 0x1e775499e87900c8n], [280, 0x72e192a66cf1415an], [277, 0x00e022e53e620400n],
      [287, 0x270a608858562605n], [261, 0x19cacf336a4a3e29n], [306, 0x0fda492040a15d9cn], [267, 0x8a92cc2ae257366dn],
      [279, 0xc05d3a6d9e113a0fn], [274, 0xb66b1325888d15dan], [268, 0x10963fdd84b40194n], [155, 0x765620afbc8c89edn],
      [313, 0x90794d89cc533429n], [269, 0x3294bf3eac1034ean], [257, 0xac096d908e0b1e45n], [267, 0x5a944603563f06a8n],
      [298, 0xd54ef84ca82b0d5en], [365, 0x9cc158532c7520a4n], [263, 0x064e8fe7585cb6a3n], [300, 0x5325af64603d745an],
      [276, 0x27bdbec484841806n], [320, 0x8ca3ad71e457380an], [309, 0x1b753b54a433ac87n], [264, 0x099fdb45b8b04dden],
      [134, 0xd6b448ee4910b276n], [318, 0x1565cad17c10184cn], [256, 0x7a4c9d4cb8d77112n], [288, 0xa4a1c763f42f3cd0n],
      [321, 0x2b87bb2d1c641082n], [55, 0x0000000000000000n],
    ],
  },
  {
    title: '256K/1M/4M NC3',
    input: 'mixed4m',
    params: { min: 262144, avg: 1048576, max: 4194304, level: 3 },
    gear: 'standard',
    chunks: [
      [1153633, 0x47200008ec088e37n], [1436386, 0x8f304071d9111f9an], [1065198, 0x6adc49f1c8480976n], [551432, 0xc4a2c382df81c824n],
    ],
  },
  {
    title: 'default params, keyed gear',
    input: 'mixed4m',
    params: { min: 16384, avg: 65536, max: 262144, level: 1 },
    gear: 'keyed',
    chunks: [
      [28934, 0x985449a0a0100212n], [133234, 0xec7c4581b049e0c6n], [67051, 0xf9d222a05c04a659n], [16898, 0x18164c4000581680n],
      [126023, 0xfa0e26d09c048feen], [186031, 0xda8824509420709an], [156260, 0xc39209e031083254n], [89644, 0x9f504401d01942d0n],
      [72950, 0xd56640a151117f8en], [48571, 0x69b826c0942c8905n], [108420, 0xe0780d004911e686n], [72523, 0xe40f022034a8eb94n],
      [28046, 0x98fc0091891905ben], [123681, 0x84fd06c0002c5001n], [24360, 0x3de609310819137an], [43818, 0xc0b60511d9191182n],
      [142484, 0xb2ac48600848107an], [82513, 0x59b000604c00416fn], [262144, 0x164549ef9908b109n], [69565, 0x733304609c080cd1n],
      [85865, 0x16ca04f064aca9a2n], [73492, 0x038a4940c0193f6en], [67073, 0xd02d020044a06cdfn], [109967, 0x6290026018a408c0n],
      [262144, 0xbc7d18616e101466n], [262144, 0x89eb0471af309449n], [262144, 0xfe63eafeb7efb665n], [184043, 0x7a0804a0b0804dedn],
      [24042, 0x35260860a841121cn], [88776, 0xea8a05018008539an], [262144, 0xbc7d18616e101466n], [99599, 0xaa840010a0a40c7bn],
      [74902, 0x412a0120d119b636n], [262144, 0xcb13f00eed53e1edn], [205020, 0xbc7d18616e101466n],
    ],
  },
  {
    title: '4K/16K/64K-1 NC1, keyed gear',
    input: 'mixed1m',
    params: { min: 4096, avg: 16384, max: 65535, level: 1 },
    gear: 'keyed',
    chunks: [
      [65535, 0xbc7d18616e101466n], [65535, 0xbc7d18616e101466n], [65535, 0xbc7d18616e101466n], [65535, 0x4ac39240ff8de999n],
      [22238, 0xa45c0d297148ccc2n], [20521, 0x359a221870243d85n], [5268, 0x73fe000109004582n], [4736, 0xe5a24140d059d884n],
      [5065, 0xfd03064088847a0en], [8947, 0xcaef007020884820n], [40136, 0x1f6c4d583940e948n], [14503, 0xc03e02e0708cefcbn],
      [22471, 0x003c204840240191n], [28442, 0x3ecc49608101db84n], [22761, 0xf3a6204850287114n], [25602, 0x6ec448a8f940bb52n],
      [65535, 0x6a07f2f06fc570a2n], [22607, 0x561d2074d004192an], [27248, 0x37aa49c9e8491c44n], [60249, 0x47ec268cdc00a1f0n],
      [42357, 0x3a6c263cf484192an], [30531, 0x6c2322a48c84007an], [65535, 0x9148a5fc798fe4afn], [30119, 0x1c5a26306088881fn],
      [29804, 0x4f7048d11019ff7an], [38962, 0xed040d78a908e424n], [20195, 0x1c6e26c854247df6n], [13277, 0x98c72030a820ae7dn],
      [7849, 0x816824e06080278bn], [20900, 0xde780de9d100e396n], [4716, 0x27c44881e04105e6n], [65535, 0xbc7d18616e101466n],
      [20328, 0xbc7d18616e101466n],
    ],
  },
];

export const SEKIEN_LENGTH = 109466;
export const SEKIEN_SHA256 = 'd9e749d9367fc908876749d6502eb212fee88c9a94892fb07da5ef3ba8bc39ed';

export interface SekienCase {
  test: string;
  params: Required<ChunkerParams>;
  /** XORed into every GEAR entry (and seed << 1 into GEAR_LS): fastcdc-rs's `with_level_and_seed`. */
  seed?: bigint;
  chunks: Array<[number, bigint]>;
}

export const SEKIEN_CASES: SekienCase[] = [
  {
    test: 'test_cut_sekien_16k_chunks',
    params: { min: 4096, avg: 16384, max: 65535, level: 1 },
    chunks: [
      [21325, 17968276318003433923n], [17140, 8197189939299398838n], [28084, 13019990849178155730n],
      [18217, 4509236223063678303n], [24700, 2504464741100432583n],
    ],
  },
  {
    test: 'test_cut_sekien_32k_chunks',
    params: { min: 8192, avg: 32768, max: 131072, level: 1 },
    chunks: [[66549, 15733367461443853673n], [42917, 6321136627705800457n]],
  },
  {
    test: 'test_cut_sekien_64k_chunks',
    params: { min: 16384, avg: 65536, max: 262144, level: 1 },
    chunks: [[109466, 2504464741100432583n]],
  },
  {
    test: 'test_cut_sekien_16k_nc_0',
    params: { min: 4096, avg: 16384, max: 65535, level: 0 },
    chunks: [
      [6634, 443122261039895162n], [59915, 15733367461443853673n], [25597, 10460176299449652894n],
      [5237, 6197802202431009942n], [12083, 6321136627705800457n],
    ],
  },
  {
    test: 'test_cut_sekien_16k_nc_3',
    params: { min: 8192, avg: 16384, max: 32768, level: 3 },
    chunks: [
      [17350, 10718006254707412376n], [19911, 13104072099671895560n], [17426, 12322483109039221194n],
      [17519, 16009206469796846404n], [19940, 2473608525189754172n], [17320, 2504464741100432583n],
    ],
  },
  {
    test: 'test_cut_sekien_16k_chunks_seed_666',
    params: { min: 4096, avg: 16384, max: 65535, level: 1 },
    seed: 666n,
    chunks: [
      [10605, 9312357714466240148n], [55745, 226910853333574584n], [11346, 12271755243986371352n],
      [5883, 14153975939352546047n], [11586, 5890158701071314778n], [14301, 8981594897574481255n],
    ],
  },
];

/** fastcdc-rs `test_cut_all_zeros`: 10240 zero bytes at 64/256/1024 give 10 chunks of 1024, this hash each. */
export const ALL_ZEROS_CASE = { length: 10240, params: { min: 64, avg: 256, max: 1024, level: 1 }, chunkLength: 1024, hash: 14169102344523991076n } as const;

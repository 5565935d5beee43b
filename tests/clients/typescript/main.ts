// Calls every JSON, text, CSV and XML operation of svcalc through the typescript-fetch client that openapi-generator
// makes from openapi.yaml (generated into ./client next to this file by
// tests/test_generated_client_typescript.py, which compiles both with tsc and runs them with node).
//
// Reads SVCALC_BASE_URL, SVCALC_KEY (sent as Authorization: Bearer) and SVCALC_EXAMPLES (a JSON
// list of each operation's documented request example, in call order: {operation_id, params,
// body}, parameters by their names in the spec). Prints one JSON object:
//   {"calls": {operationId: {"status": 200, "body": <the model written back with XToJSON>}
//                          | {"error": "..."}},
//    "called": [the operationIds this program can call],
//    "problem": <the Problem model of a 422, written back with ProblemToJSON, and its status>}
// Adding an operation is one entry in `calls`.

import {
    AppraisalsApi, MetaApi, PortalApi, SavedApi, SpreadsheetApi,
    Configuration, ResponseError, ApiResponse,
    AppraisalToJSON, BatchRequestFromJSON, BatchResultToJSON, ComparisonRequestFromJSON,
    ComparisonToJSON, FigureToJSON, HealthToJSON, ProblemFromJSON, ProblemToJSON,
    ProposalFromJSON, ReappraisalToJSON, ReferenceToJSON, SavedAppraisalPageToJSON,
    SavedAppraisalToJSON, SheetBatchFromJSON, SheetBatchResultToJSON, TableToJSON,
} from "./client";

declare const process: { env: Record<string, string | undefined>; exitCode?: number };

type Example = { operation_id: string; params: Record<string, any>; body: any };
type Written = { status: number; body: any } | { error: string };

const configuration = new Configuration({
    basePath: process.env.SVCALC_BASE_URL,
    accessToken: process.env.SVCALC_KEY,
});
const appraisals = new AppraisalsApi(configuration);
const meta = new MetaApi(configuration);
const portal = new PortalApi(configuration);
const saved = new SavedApi(configuration);
const sheets = new SpreadsheetApi(configuration);

// A parameter's name in the spec as the client spells it: public.upfront_costs.it ->
// publicUpfrontCostsIt, Idempotency-Key -> idempotencyKey.
function camel(name: string): string {
    const words = name.split(/[^0-9A-Za-z]+/).filter(Boolean).map((w) => w.toLowerCase());
    return words.map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w)).join("");
}

function params(ex: Example): any {
    return Object.fromEntries(Object.entries(ex.params).map(([k, v]) => [camel(k), v]));
}

// The response, its model written back as JSON (none for 204).
async function written<T>(response: ApiResponse<T>, toJSON?: (value: T) => any): Promise<Written> {
    const value = await response.value();
    return { status: response.raw.status, body: toJSON ? toJSON(value) : (value ?? null) };
}

const calls: Record<string, (ex: Example) => Promise<Written>> = {
    get_health: async () => written(await meta.getHealthRaw(), HealthToJSON),
    get_reference: async () => written(await meta.getReferenceRaw(), ReferenceToJSON),
    create_appraisal: async (ex) => written(await appraisals.createAppraisalRaw(
        { proposal: ProposalFromJSON(ex.body) }), AppraisalToJSON),
    get_appraisal_figure: async (ex) => written(
        await sheets.getAppraisalFigureRaw(params(ex)), FigureToJSON),
    get_appraisal_figure_text: async (ex) => written(
        await sheets.getAppraisalFigureTextRaw(params(ex))),
    get_series_figure: async (ex) => written(
        await sheets.getSeriesFigureRaw(params(ex)), FigureToJSON),
    get_series_figure_text: async (ex) => written(
        await sheets.getSeriesFigureTextRaw(params(ex))),
    get_cash_flows: async (ex) => written(await sheets.getCashFlowsRaw(params(ex)), TableToJSON),
    get_cash_flows_text: async (ex) => written(await sheets.getCashFlowsTextRaw(params(ex))),
    post_cash_flows: async (ex) => written(await sheets.postCashFlowsRaw(
        { ...params(ex), proposal: ProposalFromJSON(ex.body) }), TableToJSON),
    post_cash_flows_text: async (ex) => written(await sheets.postCashFlowsTextRaw(
        { ...params(ex), proposal: ProposalFromJSON(ex.body) })),
    create_sheet_batch: async (ex) => written(await sheets.createSheetBatchRaw(
        { sheetBatch: SheetBatchFromJSON(ex.body) }), SheetBatchResultToJSON),
    create_batch_appraisal: async (ex) => written(await portal.createBatchAppraisalRaw(
        { batchRequest: BatchRequestFromJSON(ex.body) }), BatchResultToJSON),
    create_comparison: async (ex) => written(await portal.createComparisonRaw(
        { comparisonRequest: ComparisonRequestFromJSON(ex.body) }), ComparisonToJSON),
    save_appraisal: async (ex) => written(await saved.saveAppraisalRaw(
        { ...params(ex), proposal: ProposalFromJSON(ex.body) }), SavedAppraisalToJSON),
    list_saved_appraisals: async (ex) => {
        const p = params(ex);
        for (const day of ["savedFrom", "savedTo"]) {
            if (p[day] !== undefined) p[day] = new Date(p[day]);  // format: date
        }
        return written(await saved.listSavedAppraisalsRaw(p), SavedAppraisalPageToJSON);
    },
    get_saved_appraisal: async (ex) => written(
        await saved.getSavedAppraisalRaw(params(ex)), SavedAppraisalToJSON),
    reappraise_saved_appraisal: async (ex) => written(
        await saved.reappraiseSavedAppraisalRaw(params(ex)), ReappraisalToJSON),
    delete_saved_appraisal: async (ex) => written(await saved.deleteSavedAppraisalRaw(params(ex))),
};

async function describe(error: unknown): Promise<string> {
    if (error instanceof ResponseError) {
        return `HTTP ${error.response.status}: ${(await error.response.text()).slice(0, 500)}`;
    }
    return String(error instanceof Error ? error.stack ?? error : error);
}

// A proposal only the server can judge (3 annual payments for a 10-year term): 422 problem+json,
// which the client raises as a ResponseError; its body read as the Problem model.
async function problem(proposal: any): Promise<any> {
    try {
        await appraisals.createAppraisal({ proposal: ProposalFromJSON(proposal) });
        return { error: "no error" };
    } catch (error) {
        if (!(error instanceof ResponseError)) return { error: await describe(error) };
        return { status: error.response.status,
                 body: ProblemToJSON(ProblemFromJSON(await error.response.json())) };
    }
}

async function main(): Promise<void> {
    const examples: Example[] = JSON.parse(process.env.SVCALC_EXAMPLES ?? "[]");
    const results: Record<string, Written> = {};
    for (const ex of examples) {
        const call = calls[ex.operation_id];
        try {
            results[ex.operation_id] = call ? await call(ex) : { error: "main.ts does not call it" };
        } catch (error) {
            results[ex.operation_id] = { error: await describe(error) };
        }
    }
    const invalid = JSON.parse(process.env.SVCALC_INVALID_PROPOSAL ?? "{}");
    console.log(JSON.stringify({ calls: results, called: Object.keys(calls),
                                 problem: await problem(invalid) }));
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});

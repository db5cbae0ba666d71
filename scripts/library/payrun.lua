---@meta payrun
-- LuaLS annotations for what payrun gives every script, written by `payrun annotations` from
-- the functions payrun registers; do not edit (a test fails when the two differ). Point your
-- editor at this folder (scripts/.luarc.json does) to get completion and type checks.

---payrun's own library.
---@class payrunlib
---@field version string payrun's version, e.g. "0.1.0".
---@field json payrun.jsonlib JSON decoding and encoding.
---@field csv payrun.csvlib CSV read a row at a time and written.
---@field decimal payrun.decimallib Exact decimal numbers for money.
---@field webhook payrun.webhooklib Checking webhooks providers send.
---@field http payrun.httplib Requests to the other services `--allow-host` allows.
---@field environment "sandbox"|"test"|"live" Where requests go (`payrun run --env`).
---@field dry_run boolean Whether mutations are only described, not sent (`payrun run --dry-run`).
---@field stdout payrun.stream Standard output.
---@field stderr payrun.stream Standard error.
payrun = {}

---Renders any value readably: the sequence first, then other keys sorted; short tables on one
---line; tables reached twice labelled (`<1>{...}`, then `<table 1>`), so cycles end.
---@param value any
---@param options? payrun.inspect.options
---@return string
function payrun.inspect(value, options) end

---The contents of the file named by the script's argument `n` (`payrun run onboard.lua people.csv`
---then `payrun.input(1)`): scripts cannot open files, but may read the ones they were given.
---Raises an error naming the file when it cannot be read.
---@param n integer
---@return string
function payrun.input(n) end

---A writer for the report `name` in the folder given with `payrun run --out DIR`, as in
---`payrun.output("matched.csv"):write(payrun.csv.encode(rows))`. The report is written under a
---temporary name and renamed to `name` when the script ends successfully; if it fails, it is
---kept as `name.partial` and the error says so. Credentials are redacted from what is written.
---`name` is a plain file name (no `/`, no `..`). Raises an error without `--out`.
---@param name string
---@return payrun.output
function payrun.output(name) end

---A report being written.
---@class payrun.output
local output = {}

---Writes strings and numbers, as `io.write` does; returns the report for chaining.
---@param ... string|number
---@return payrun.output
function output:write(...) end

---The report's name.
---@return string
function output:name() end

---Rows as aligned columns under a header, for reading on a terminal: `print(payrun.table(rows))`.
---Numbers and decimals are right-aligned (so amounts line up), text left-aligned, unless
---`align` says otherwise. Named rows show `columns` (every name they use, sorted, when not
---given); rows that are lists show their fields, without a header.
---@param rows table[]
---@param options? payrun.table.options
---@return string
function payrun.table(rows, options) end

---@class payrun.table.options
---@field columns? string[] The columns to show, in order.
---@field align? table<string, "left"|"right"> Alignment by column name.
---@field header? boolean Whether to show the header lines (default true).

---A UUID. With no arguments a random one; with parts, the same UUID for the same parts on
---any machine (name-based, version 5): the key for one logical operation, so a re-run of
---the script sends the same one and the provider recognises the repeat, e.g.
---`payrun.uuid("onboard", row.email)` as Tradevest's externalId.
---@param ... string|number
---@return string
function payrun.uuid(...) end

---@class payrun.inspect.options
---@field depth? integer Tables deeper than this show as `{...}` (default 12).
---@field max_items? integer Entries shown per table before `... (N more)` (default 100).
---@field width? integer One-line tables longer than this go one entry a line (default 80).
---@field indent? integer Spaces per level (default 2).

---A handle for a configured credential, to pass to payrun's provider functions or to
---`payrun.http` (as its url, or in headers, the query or the body). The secret itself never
---enters Lua: `tostring(h)` is `credential particeep.api_secret (live)`. Raises an error saying
---how to set it when the credential is not configured.
---@param name string `provider.field`, e.g. "particeep.api_secret", or a service, e.g. "chat"
---@param field? string with a service: its field, e.g. "webhook_url"
---@return payrun.credential
function payrun.credential(name, field) end

---@class payrun.credential: userdata

---@class payrun.jsonlib
---@field null payrun.json.null The value JSON `null` decodes to, and encodes from.
payrun.json = {}

---@class payrun.json.null: userdata

---Decodes JSON text. Objects become tables, arrays become tables marked as arrays (so `[]`
---stays an array), `null` becomes `payrun.json.null`, integers stay integers up to 64 bits.
---A number a float cannot hold as written (an integer past 64 bits, more than 15 significant
---digits) becomes a `payrun.decimal` with its digits, never a rounded float.
---Raises an error naming the byte offset and what was expected if the text is malformed.
---@param text string
---@param options? payrun.json.decode.options
---@return any
function payrun.json.decode(text, options) end

---@class payrun.json.decode.options
---@field big_numbers? "decimal"|"error"|"float" A number a float cannot hold: a `payrun.decimal` (the default), an error naming its offset, or the nearest float.

---Like `decode`, but returns `nil` and the error message instead of raising.
---@param text string
---@param options? payrun.json.decode.options
---@return any value
---@return string? message
function payrun.json.trydecode(text, options) end

---Encodes a value as JSON text. A table is an array if marked with `payrun.json.array` or if
---its keys are exactly 1..n, an object if its keys are strings (`{}` is an object). Raises an
---error naming the path (`$.payments[3].amount`) for functions, cycles, NaN and infinities.
---@param value any
---@param options? payrun.json.encode.options
---@return string
function payrun.json.encode(value, options) end

---Writes `value` as `encode` does, then a line break, to a report from `payrun.output` (a JSON
---document, or one line of JSON Lines per call); returns the report.
---@param report payrun.output
---@param value any
---@param options? payrun.json.encode.options
---@return payrun.output
function payrun.json.write(report, value, options) end

---@class payrun.json.encode.options
---@field indent? integer|boolean Spaces per level (true: 2); omitted writes one line.
---@field sort_keys? boolean Writes object keys in byte order, for reproducible output.

---Marks `t` (or a new table) as a JSON array, so it encodes as `[...]` even when empty.
---@generic T: table
---@param t? T
---@return T
function payrun.json.array(t) end

---Whether `t` is marked as a JSON array (decoded arrays are).
---@param t any
---@return boolean
function payrun.json.isarray(t) end

---@class payrun.csvlib
payrun.csv = {}

---The rows of CSV `text`, one a loop step, with the line each starts on:
---`for row, line in payrun.csv.rows(text) do print(line, row.amount) end`. RFC 4180: quoted
---fields, `""` for a quote, line breaks inside quotes, CRLF or LF, a UTF-8 byte order mark.
---With a header row (the default) a row is a table keyed by the header's names; with
---`header = false` a list of fields. Fields are strings. Raises an error naming the line and
---column of a quote left open or a stray quote, and the line of a row whose field count
---differs from the header's.
---@param text string
---@param options? payrun.csv.options
---@return fun(): table?, integer?
function payrun.csv.rows(text, options) end

---Like `rows`, over the file named by the script's argument `n` (`payrun run payouts.lua
---payouts.csv` then `payrun.csv.file(1)`), read a chunk at a time: a file of any size reads
---in constant memory. Errors name the file.
---@param n integer
---@param options? payrun.csv.options
---@return fun(): table?, integer?
function payrun.csv.file(n, options) end

---@class payrun.csv.options
---@field separator? string `","`, `";"`, `"\t"` or another single character; guessed from the first line when not given.
---@field header? boolean|string[] `true` (default): the first row names the fields; `false`: rows are lists; a list of names: the file has no header row, these name its fields.

---CSV text for `rows`, each line ending in CRLF, a field quoted only when it must be (it holds
---the separator, a quote or a line break, or starts or ends with a space). Rows that are lists
---are written as they are; rows keyed by name are written in `columns`' order (every name
---the rows use, sorted, when not given) under a header line. Strings, numbers, booleans and
---`payrun.decimal`s are written as text; nil and `payrun.json.null` as an empty field.
---@param rows table[]
---@param options? payrun.csv.encode.options
---@return string
function payrun.csv.encode(rows, options) end

---A writer appending rows to a report from `payrun.output` as they come (the header line first
---when `columns` are given), so a large report never sits in memory as one string:
---`local w = payrun.csv.writer(payrun.output("missing.csv"), { columns = { "id", "amount" } })`
---then `w:write(row)` for each row. Fields are written as `encode` writes them.
---@param output payrun.output
---@param options? payrun.csv.encode.options
---@return payrun.csv.writer
function payrun.csv.writer(output, options) end

---@class payrun.csv.writer
local csvwriter = {}

---Appends one row: a table keyed by the writer's columns, or a list of fields.
---@param row table
---@return payrun.csv.writer
function csvwriter:write(row) end

---@class payrun.csv.encode.options
---@field columns? string[] The names to write, in order; a row's other fields are left out.
---@field separator? string The separator (default `","`).
---@field header? boolean Whether to write the header line for named rows (default true).

---Exact decimal numbers for money: `payrun.decimal.new("0.1") + "0.2" == payrun.decimal.new("0.3")`.
---Up to 38 digits; nothing rounds unless asked (`/` must be exact, `d:div` and `d:round` take a
---rounding). Operators accept decimals, integers, floats (their shortest digits) and numeric
---strings; `==` needs decimals on both sides (Lua compares a number and a userdata as unequal).
---`payrun.json.encode` writes a decimal as a JSON number with its exact digits.
---@class payrun.decimallib
---@field rounding { half_even: string, half_up: string, half_down: string, down: string, up: string, floor: string, ceiling: string } The rounding names.
payrun.decimal = {}

---A decimal from a decimal, an integer, a float or a numeric string ("12.50", "1e-3");
---raises an error for anything else.
---@param value payrun.decimal|number|string
---@return payrun.decimal
function payrun.decimal.new(value) end

---Like `new`, but returns nil and a message instead of raising.
---@param value any
---@return payrun.decimal|nil, string|nil
function payrun.decimal.trynew(value) end

---The decimal `units` × 10^-`scale`: `payrun.decimal.units(1250, 2)` is 12.50 (minor units to an amount).
---@param units integer
---@param scale integer 0 to 38
---@return payrun.decimal
function payrun.decimal.units(units, scale) end

---The exact sum of a list of decimals, numbers or numeric strings.
---@param list (payrun.decimal|number|string)[]
---@return payrun.decimal
function payrun.decimal.sum(list) end

---Whether `value` is a decimal.
---@param value any
---@return boolean
function payrun.decimal.isdecimal(value) end

---@alias payrun.decimal.rounding "half_even"|"half_up"|"half_down"|"down"|"up"|"floor"|"ceiling"

---@class payrun.decimal: userdata
---@operator add(payrun.decimal|number|string): payrun.decimal
---@operator sub(payrun.decimal|number|string): payrun.decimal
---@operator mul(payrun.decimal|number|string): payrun.decimal
---@operator div(payrun.decimal|number|string): payrun.decimal
---@operator unm: payrun.decimal
---@operator concat(string|number): string
local decimal = {}

---@param other payrun.decimal|number|string
---@return payrun.decimal
function decimal:add(other) end

---@param other payrun.decimal|number|string
---@return payrun.decimal
function decimal:sub(other) end

---The exact product (kept to the larger of the two scales at least: 2.50 * 3 is 7.50).
---@param other payrun.decimal|number|string
---@return payrun.decimal
function decimal:mul(other) end

---The quotient with `scale` decimal places, rounded as asked (default "half_even").
---@param other payrun.decimal|number|string
---@param scale integer 0 to 38
---@param rounding? payrun.decimal.rounding
---@return payrun.decimal
function decimal:div(other, scale, rounding) end

---This number with `scale` decimal places, rounded as asked (default "half_even") or padded.
---@param scale integer 0 to 38
---@param rounding? payrun.decimal.rounding
---@return payrun.decimal
function decimal:round(scale, rounding) end

---The integer count of 10^-`scale` units (12.34 at scale 2 is 1234); raises if digits would be lost.
---@param scale integer
---@return integer
function decimal:units(scale) end

---@param other payrun.decimal|number|string
---@return integer -1, 0 or 1
function decimal:cmp(other) end

---@return payrun.decimal
function decimal:neg() end

---@return payrun.decimal
function decimal:abs() end

---@return integer -1, 0 or 1
function decimal:sign() end

---@return boolean
function decimal:iszero() end

---Digits after the decimal point, as given: 2 for 12.50.
---@return integer
function decimal:scale() end

---The exact digits, e.g. "-12.50".
---@return string
function decimal:tostring() end

---The nearest float, for display or maths where exactness does not matter.
---@return number
function decimal:tonumber() end

---A client for a provider in the current environment (`payrun run --env`; the built-in
---simulators by default). Signing happens in payrun with the configured credentials; the script
---never sees them. Raises a `payrun.error` for an unknown provider or environment.
---@param name string "particeep", "tradevest", or a provider the host registered
---@param options? payrun.provider.options
---@return payrun.provider
---@overload fun(name: "capitalist", options?: payrun.provider.options): payrun.provider.capitalist
---@overload fun(name: "particeep", options?: payrun.provider.options): payrun.provider
---@overload fun(name: "peex", options?: payrun.provider.options): payrun.provider.peex
---@overload fun(name: "tradevest", options?: payrun.provider.options): payrun.provider.tradevest
function payrun.provider(name, options) end

---@class payrun.provider.options
---@field headers? table<string, string> Sent with every request of this client (e.g. Tradevest's `Requestor-ID`); a request's own headers win.

---A provider's error, raised by the client's methods (catch it with `pcall`) or returned by
---`tryrequest`. `tostring(e)` is e.g. `particeep: 404 error.user.none: no user with id usr_9`.
---@class payrun.error
---@field provider string
---@field status? integer The HTTP status, when the provider answered.
---@field code? string The provider's own error code, e.g. "error.user.none".
---@field message string
---@field request_id? string The provider's id for the request, for its support.
---@field retryable boolean Whether the same request could succeed later.
---@field details table<string, string> More the provider said (fields, validation).
---@field journaled? true The answer an earlier attempt of this durable run got, given back from its journal: not sent again.
---@field outcome_unknown? true Sent, and no answer came (a timeout, a lost connection): it may or may not have been applied; look it up before sending it again.
---@field description string The one-line text `tostring` gives.

---What came with a result: `{status=200, headers={["request-quota"]="12", ...}, attempts=1}`.
---@class payrun.response
---@field status integer
---@field headers table<string, string> Lower-case names.
---@field attempts integer How many times the request was sent (reads are retried on 5xx, 429, timeouts).
---@field already_accepted? boolean A create resent after a lost answer was refused as a repeat: the result is what the first attempt made.
---@field journaled? boolean Not sent: a resumed run answered this mutation from its journal, as an earlier attempt got it.

---@class payrun.provider: userdata
local provider = {}

---GET `path` (from the provider's base URL, e.g. "/user/usr_1") with `query` parameters.
---@param path string
---@param query? table<string, string|number|boolean|payrun.decimal>
---@return any result The decoded result, envelope removed.
---@return payrun.response response
function provider:get(path, query) end

---DELETE `path`.
---@param path string
---@param query? table<string, string|number|boolean|payrun.decimal>
---@return any result
---@return payrun.response response
function provider:delete(path, query) end

---POST `body` (a table sent as JSON, or a JSON string) to `path`. Never resent automatically
---unless the provider can recognise a repeat.
---@param path string
---@param body? table|string
---@return any result
---@return payrun.response response
function provider:post(path, body) end

---PUT `body` to `path`.
---@param path string
---@param body? table|string
---@return any result
---@return payrun.response response
function provider:put(path, body) end

---@class payrun.request
---@field method? string "GET" unless given.
---@field path string
---@field query? table<string, string|number|boolean|payrun.decimal>
---@field body? table|string
---@field headers? table<string, string> Added to the request (authentication is payrun's).

---Any request; raises a `payrun.error` on failure.
---@param request payrun.request
---@return any result
---@return payrun.response response
function provider:request(request) end

---The request as it would be sent — `{method=, url=, headers=, body=}` — with the headers and body
---fields signing adds that carry anything secret shown as "[redacted: added by payrun when sent]".
---For looking at and for manual calls: `p:request(p:sign{...})` sends it, signed afresh (not a
---Capitalist form: send its operation with `c:call`).
---@param request payrun.request
---@return { method: string, url: string, headers: table<string, string>, body: string? }
function provider:sign(request) end

---Like `request`, but returns `nil, err` instead of raising.
---@param request payrun.request
---@return any result
---@return payrun.response|payrun.error response_or_error
function provider:tryrequest(request) end

---An iterator over every item of a list, across pages in the provider's own scheme, fetching the
---next page while the loop works: `for t in p:paginate("/transaction/search", {status="PENDING"}) do`.
---With `progress = true` (or a label), a `payrun.progress` line counts the items fetched.
---@param path string
---@param query? table<string, string|number|boolean|payrun.decimal>
---@param options? { page_size: integer, progress: boolean|string }
---@return fun(): any
function provider:paginate(path, query, options) end

---The capitalist client: every `payrun.provider` method and these.
---@class payrun.provider.capitalist: payrun.provider
local capitalist = {}

---Runs a Capitalist operation: `c:call("get_accounts")`. `login` and the password (plain or
---RSA-encrypted with a `get_token` key, renewed when refused) are added by payrun; numbers and
---decimals are sent with `.`. Returns the reply's `data` (JSON or CSV alike); raises a
---`payrun.error` whose `code` is Capitalist's ("15") and whose message is its documented meaning.
---@param operation string
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:call(operation, fields) end

---Like `call`, but returns `nil, err` instead of raising.
---@param operation string
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table? data
---@return payrun.response|payrun.error response_or_error
function capitalist:trycall(operation, fields) end

---The batch text for `payments`, one line each: `{account=, amount=, currency=, number=, description=}`
---(channel CAPITALIST or WM), or `{channel="RUCARD", card=, ..., first_name=, last_name=}`. Amounts are
---exact decimals; a missing field, a repeated payment number, or `;` or a line break in a value is
---an error naming the payment.
---@param payments table[]
---@return string
function capitalist:batch(payments) end

---Uploads a batch (payments, or batch text) with `import_batch_advanced`. Verification
---`SIGNATURE` (default: payrun signs the exact text with the `capitalist.certificate` key),
---`PIN` (the md5 of `capitalist.pin`) or `MOBILE` (confirm with `process_batch`).
---Never sent twice by payrun: look payments up with `find_payment` before paying again.
---@param payments table[]|string
---@param options? { verification: "SIGNATURE"|"PIN"|"MOBILE", accounts: table<string, string>, code: string }
---@return table data `{id=, summary=, fee=, nettoSummary=, errors=}`
---@return payrun.response response
function capitalist:import_batch(payments, options) end

---An iterator over every record of a batch, `get_batch_info` a page (`page_size`, default
---1000, at most 1000) at a time, the next fetched while the loop works:
---`for r in c:batch_records(id) do print(r.customNumber, r.state) end`. The same as
---`c:paginate("/", {operation = "get_batch_info", batch_id = id})`.
---@param batch_id string
---@param options? { page_size: integer, progress: boolean|string }
---@return fun(): table
function capitalist:batch_records(batch_id, options) end

---An iterator over the operations history (`get_documents_history_ext`), page by page:
---`c:paginate("/", {operation = "get_documents_history_ext", ...})`.
---@param fields? table `period_from`, `period_to` (DD.MM.YYYY), `document_state`, `account`
---@param options? { page_size: integer, progress: boolean|string } `page_size` 50 to 1000
---@return fun(): table
function capitalist:history(fields, options) end

---The payment with your payment number (`documents_search`), or nil: check before paying again.
---@param number string|integer
---@return table?
function capitalist:find_payment(number) end

---`get_accounts`: Your wallets: `accounts = {{number=, currency=, balance=, blockedAmount=, name=}, ...}`.
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:get_accounts(fields) end

---`is_verified_account`: Whether the holder of `account` is verified.
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:is_verified_account(fields) end

---`currency_rates`: Current rates: `rates = {{from=, to=, rate=}, ...}`.
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:currency_rates(fields) end

---`get_batch_info`: One page of a batch's records (`batch_id`, `page_size` ≤ 1000, `start_offset`); see `batch_records`.
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:get_batch_info(fields) end

---`get_documents_history_ext`: One page of the history (`period_from`, `period_to`, `document_state`, `limit`, `page`); see `history`.
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:get_documents_history_ext(fields) end

---`documents_search`: The payments with your payment number `customNumber`; see `find_payment`.
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:documents_search(fields) end

---`process_batch`: Confirms a MOBILE batch: `batch_id` and the code as `verification_data`.
---@param fields? table<string, string|number|boolean|payrun.decimal>
---@return table data
---@return payrun.response response
function capitalist:process_batch(fields) end

---The peex client: every `payrun.provider` method and these.
---@class payrun.provider.peex: payrun.provider
local peex = {}

---Asks Peex to pay a mobile wallet (`clients/request_payment`). Checked before it is sent, each
---problem naming its field: `track_id`, `amount` (> 0), `from_currency` (and `to_currency`) as
---upper-case ISO codes, `aml_cft = true`, `mobile_phone` in E.164 (or `email`), `first_name`,
---`last_name`, `to_country`, `sender_mobile_phone`, `sender_country`, `purpose`, `fund_origin`.
---The `track_id` is the payment's reference: after a failure with no answer payrun looks it
---up before sending again, so the same payment is never requested twice.
---@param payment table
---@return table request `{id=, status=, track_id=, ...}`
---@return payrun.response response
function peex:request_payment(payment) end

---The payment request with `track_id` (`clients/all_requests`), or nil if Peex has none.
---@param track_id string
---@return table?
function peex:find(track_id) end

---Whether `status` is final: paid, failed (the reason in `payment_proof`), canceled or rejected.
---`new`, `pending`, `mw_balance_pending`, `balance_pending` and `max_amount` may still change.
---@param status string
---@return boolean
function peex:is_final(status) end

---Polls the request with `track_id`, waiting longer between tries (up to 5 s), until its status
---is final; returns it, or `nil` and why after `timeout` seconds (default 120).
---@param track_id string
---@param options? { timeout: number }
---@return table? request
---@return string? reason
function peex:wait_for(track_id, options) end

---The tradevest client: every `payrun.provider` method and these.
---@class payrun.provider.tradevest: payrun.provider
local tradevest = {}

---Registers (or replaces) the webhook for `event_type` (e.g. "CUSTOMER_NOTIFICATION") with the
---header that proves it is Tradevest's: its value is the `tradevest.webhook_secret`
---credential, filled in by payrun and never seen by the script (Tradevest's answer shows
---it redacted). `payrun.webhook.verify("tradevest", ...)` then checks deliveries against it.
---@param event_type string
---@param url string An https URL (the simulator also takes http on this machine).
---@return table webhook
---@return payrun.response response
function tradevest:register_webhook(event_type, url) end

---The externalId for one logical operation: the same parts give the same id on every run
---(`t:externalid("onboard", row.email)`), so a re-run is refused as a duplicate (409)
---instead of creating twice, and a create with one may be retried safely.
---@param ... string|number
---@return string
function tradevest:externalid(...) end

---The full object a thin webhook payload is about: the transfer, customer product or
---customer named by its `transferId`, `customerProductId` or `customerId`.
---@param notification table The decoded webhook body.
---@return table object
---@return payrun.response response
function tradevest:fetch(notification) end

---GETs `path` until the entity's status is no longer RECEIVED (Tradevest processes creates
---asynchronously: it becomes e.g. CREATED or INVALID), waiting longer between tries (up to
---2 s); raises when `timeout` seconds (default 60) pass first.
---@param path string e.g. "/customers/" .. id
---@param options? { timeout: number }
---@return table entity
---@return payrun.response response
function tradevest:await(path, options) end

---Calls `fn(item)` for every item of `items`, up to `concurrency` (default 16) at a time, and
---returns each call's first result, in the items' order (`p:get`'s result, not the response
---after it). Provider requests inside `fn` overlap (each call is a coroutine that waits for its
---response while the others run); Lua code itself runs one call at a time, so nothing races. The
---first error is raised at once; requests other calls have under way are abandoned, unread.
---With `progress = true` (or a label), a `payrun.progress` line counts the finished calls.
---@generic T, R
---@param items T[]
---@param fn fun(item: T): R
---@param options? { concurrency: integer, progress: boolean|string }
---@return R[]
function payrun.parallel(items, fn, options) end

---Waits `seconds` (up to an hour); the time limit and Ctrl-C still end the script meanwhile.
---Inside `payrun.parallel` only the calling coroutine waits: the others go on.
---@param seconds number
function payrun.sleep(seconds) end

---Runs `fn` once per run and returns what it returns. The results (nil, booleans, numbers,
---strings, decimals and tables of those) are journaled: a resumed run gets them back without
---calling `fn` again. `name` is the step's key in the run (`"payout:" .. row.reference`); the
---same name twice in one run is an error naming both lines. The mutations `fn` makes are
---journaled under the step. If an earlier attempt began the step and never finished it,
---`options.lookup` is called first: what it returns (not nil) is the step's result, and `fn`
---does not run; nil means it did not happen, and `fn` runs, its requests in doubt sent again.
---Without a state store (`--dry-run`, an engine with none), it simply calls `fn`.
---@generic R
---@param name string
---@param fn fun(): R
---@param options? { lookup: fun(): R? }
---@return R
function payrun.step(name, fn, options) end

---A webhook `payrun listen` received, verified and stored, as a handler gets it.
---@class payrun.event
---@field provider string The provider that sent it: `particeep`, `tradevest`, `peex`, or a host's own.
---@field type string Its type: Particeep's event name (`transaction_created`), Tradevest's notification type (`TRANSFER_NOTIFICATION`), the status Peex's callback reports (`paid`, `failed`).
---@field id string The provider's event id, or `sha256:` and the digest of the body where it gives none: what makes a redelivery the same event.
---@field body any The body, decoded as `payrun.json.decode` would; its text when it is not JSON.
---@field received_at string When it was received, ISO 8601 UTC with milliseconds.
---@field attempt integer 1 the first time it is handed to handlers, 2 at the first retry, ...

---Registers `fn` for the webhooks of `provider` of type `event_type` (`"*"` for every type):
---`payrun listen HANDLERS.lua` runs the file for each event it received and hands the event to
---every matching handler, in the order registered. A handler that raises is retried on the
---listener's schedule, then the event is dead; each event's handlers run as one durable run, so
---a retry does not send again what an earlier attempt sent. Outside `payrun listen` nothing is
---handed over.
---@param provider string
---@param event_type string
---@param fn fun(event: payrun.event)
function payrun.on(provider, event_type, fn) end

---@class payrun.webhooklib
payrun.webhook = {}

---Whether a webhook really comes from `provider` (checked in constant time, with a bounded age
---where the provider's scheme has a timestamp): `true`, or `false` and the reason.
---@param provider string
---@param webhook { headers: table<string, string>, body: string }
---@return boolean valid
---@return string|nil reason
function payrun.webhook.verify(provider, webhook) end

---Requests to services other than the providers (a chat's incoming webhook, a ticketing API),
---only to the hosts allowed by `payrun run --allow-host HOST[:PORT]` or `allow_hosts` in the config
---file. Credentials are handles (`payrun.credential("chat", "webhook_url")`), filled in outside Lua.
---@class payrun.httplib
payrun.http = {}

---@class payrun.http.request
---@field method? string "GET" (the default), "POST", "PUT", "PATCH", "DELETE", "HEAD"…
---@field url string|payrun.credential The URL, or a credential whose secret is the whole URL.
---@field headers? table<string, string|number|payrun.credential|(string|payrun.credential)[]> A list is joined: `{"Bearer ", token}`.
---@field query? table<string, string|number|boolean|payrun.decimal|payrun.credential> Added to the URL, sorted by name.
---@field body? string|table A string is sent as it is; a table as JSON (credential handles allowed in it).
---@field retry? boolean Send a mutation again after a failure that may have arrived (reads always are).

---@class payrun.http.options
---@field headers? table<string, string|number|payrun.credential|(string|payrun.credential)[]>
---@field query? table<string, string|number|boolean|payrun.decimal|payrun.credential>
---@field retry? boolean

---@class payrun.http.response
---@field status integer The HTTP status (0 for a mutation `--dry-run` did not send).
---@field headers table<string, string> Names in lower case.
---@field body string
---@field json? any The body decoded, when the answer says it is JSON.
---@field attempts integer How many times the request was sent.
---@field dry_run? true Not sent: `payrun run --dry-run`.

---Sends a request and returns the response. Raises an error table (`status`, `message`,
---`details.body`) for a status of 400 or more, no answer, or a host or credential not allowed.
---@param request payrun.http.request
---@return payrun.http.response
function payrun.http.request(request) end

---Like `request`, but returns `nil` and the error instead of raising.
---@param request payrun.http.request
---@return payrun.http.response|nil
---@return payrun.error|nil
function payrun.http.tryrequest(request) end

---A GET request (retried after a failure, as every read is).
---@param url string|payrun.credential
---@param options? payrun.http.options
---@return payrun.http.response
function payrun.http.get(url, options) end

---A HEAD request.
---@param url string|payrun.credential
---@param options? payrun.http.options
---@return payrun.http.response
function payrun.http.head(url, options) end

---A DELETE request (not sent again after a failure unless `options.retry`).
---@param url string|payrun.credential
---@param options? payrun.http.options
---@return payrun.http.response
function payrun.http.delete(url, options) end

---A POST request: `body` a string sent as it is or a table sent as JSON. Not sent again after a
---failure that may have arrived, unless `options.retry`.
---@param url string|payrun.credential
---@param body string|table|nil
---@param options? payrun.http.options
---@return payrun.http.response
function payrun.http.post(url, body, options) end

---A PUT request, as `post`.
---@param url string|payrun.credential
---@param body string|table|nil
---@param options? payrun.http.options
---@return payrun.http.response
function payrun.http.put(url, body, options) end

---A PATCH request, as `post`.
---@param url string|payrun.credential
---@param body string|table|nil
---@param options? payrun.http.options
---@return payrun.http.response
function payrun.http.patch(url, body, options) end

---An output stream, like `io.stdout`: payrun scripts have no `io` library and cannot open files.
---@class payrun.stream
local stream = {}

---Writes strings and numbers to the stream, as they are; returns the stream, for chaining.
---Everything written reaches the terminal in the order the script wrote it, `print` included.
---@param ... string|number
---@return payrun.stream
function stream:write(...) end

---How far a long loop is: `local p = payrun.progress(#rows, "payouts")`, `p:add()` per row,
---`p:done()` at the end. On a terminal, one line on standard error (count, percent, rate,
---time left) redrawn at most ten times a second and cleared by `done`; off a terminal
---nothing, or with `--verbose` one line when done.
---@param total number How many steps make the whole (0 or more).
---@param label? string What is counted (default "progress").
---@return payrun.progress
function payrun.progress(total, label) end

---@class payrun.progress
local progress = {}

---Counts `n` more steps (default 1); returns the bar.
---@param n? number
---@return payrun.progress
function progress:add(n) end

---Ends the bar: its line is cleared (or, off a terminal with `--verbose`, printed once).
function progress:done() end

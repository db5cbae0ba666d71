-- Handlers for `payrun listen`: what an operations team does when a payment goes wrong.
--
--   payrun sandbox --webhooks-to http://127.0.0.1:8600 &
--   PAYRUN_SANDBOX_URL=http://127.0.0.1:8080 payrun listen scripts/examples/handlers.lua
--
-- A Peex payout that failed is reported and sent once more (a new track_id made from the old
-- one, so a retried handler, or a crash, never sends it twice); one that failed twice, or was
-- rejected, is only reported. A Tradevest transfer REJECTED is reported with its reason, read from Tradevest.
-- Each report is one line in the listener's log, prefixed with the event.

local function report_peex(event)
  local peex = payrun.provider("peex")
  for _, request in ipairs(event.body) do
    print(string.format("REPORT peex payout %s of %s %s to %s %s: %s", request.track_id, request.amount,
      request.to_currency, request.identifier_by, request.status, tostring(request.payment_proof)))
    -- A failed payout is sent once more; a rejected one (over a threshold) only reported.
    if request.status == "failed" and not request.track_id:find("%-retry$") then
      local retry = peex:request_payment({
        track_id = request.track_id .. "-retry", amount = request.amount, from_currency = request.from_currency,
        to_currency = request.to_currency, mobile_phone = request.identifier_by, aml_cft = true, to_country = "CM",
        first_name = "Payrun", last_name = "Retry", purpose = "retry of " .. request.track_id, fund_origin = "salary",
        sender_mobile_phone = "+33612345678", sender_country = "FR", sender_first_name = "Payrun", sender_last_name = "Ops",
      })
      print(string.format("RETRY  peex payout %s sent again as %s (%s)", request.track_id, retry.track_id, retry.status))
    end
  end
end

payrun.on("peex", "failed", report_peex)
payrun.on("peex", "rejected", report_peex)

payrun.on("tradevest", "TRANSFER_NOTIFICATION", function(event)
  if event.body.status ~= "REJECTED" then return end
  local transfer = payrun.provider("tradevest"):get("/transfers/" .. event.body.transferId)
  print(string.format("REPORT tradevest transfer %s (%s) rejected: %s", event.body.transferId,
    tostring(event.body.externalId), tostring(transfer.statusReason)))
end)

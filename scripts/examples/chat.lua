-- Posts a line to the team's chat through an incoming webhook (Slack's, Mattermost's, Teams'…)
-- when one is configured; the examples that end with a summary use it. The webhook's URL is the
-- secret, so the script holds only a handle to it:
--
--   payrun credentials set chat.webhook_url --env live   (paste https://hooks.slack.com/services/…)
--   payrun run --allow-host hooks.slack.com …        (or allow_hosts in the config file)

local chat = {}

---Posts `text` as `{"text": …}`, the body Slack's and Mattermost's webhooks take. A post that
---fails (a host not allowed, the chat down) is said on standard error and does not fail the run:
---the work it summarises is done.
---@param text string
---@return boolean posted false when no chat.webhook_url is configured or the post failed
function chat.post(text)
  local configured, hook = pcall(payrun.credential, "chat", "webhook_url")
  if not configured then return false end
  local posted, err = pcall(payrun.http.post, hook, { text = text })
  if not posted then payrun.stderr:write("chat: the summary was not posted: ", tostring(err), "\n") end
  return posted
end

return chat

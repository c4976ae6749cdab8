// Package bot is RadBot's core: text normalisation, matching, confidence, conversation context, safety,
// the reply model, and the small interfaces it needs from the outside (a Store for interactions and
// feedback, an Observer for metrics).
//
// Import rule: bot imports only the standard library, knowledge/, the stemming library and x/time/rate.
// It never imports a platform SDK, a database driver or an adapter; adapters import bot.
//
// Every question gets a Reply with one Status:
//   - answered: one entry clearly fits; Reply.Entry is it.
//   - clarify: two or three entries fit about equally; Reply.Candidates lists them and the next message
//     in the conversation may pick one by number or title.
//   - fallback: nothing fits well enough; Reply.Text says where to look and the question is recorded
//     for maintainers.
//   - refused: a personal medical question; Reply.Text kindly points to NHS 111, a GP or 999.
//   - smalltalk: a greeting, thanks or a request for help.
//   - limited: the question was too long or the user is asking too fast; Reply.Text says so politely.
package bot

package mailtest

import (
	"html/template"
	"net/http"
	"slices"
)

var inboxPage = template.Must(template.New("inbox").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Development mail inbox</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 50rem; margin: 1rem auto; padding: 0 1rem; }
.warning { background: #fff3cd; border: 2px solid #b58100; padding: .75rem 1rem; }
article { border: 1px solid #ccc; margin: 1rem 0; padding: .5rem 1rem; }
pre, a.link { white-space: pre-wrap; overflow-wrap: anywhere; }
pre { background: #f6f6f6; padding: .5rem; }
iframe { width: 100%; height: 14rem; border: 1px solid #ddd; }
</style></head><body>
<p class="warning" role="alert"><strong>Development aid.</strong> This page shows every mail the
in-process test SMTP server caught, codes and links included. It exists
only in the local demo: never serve it from a real deployment.</p>
<h1>Mail inbox <small>({{len .}})</small></h1>
{{if not .}}<p id="empty">No mail yet.</p>{{end}}
{{range .}}<article class="mail" data-to="{{.To}}">
<h2 class="subject">{{.Subject}}</h2>
<p>To <span class="to">{{.To}}</span> · {{.At.Format "15:04:05"}}{{if .TLS}} · over TLS{{end}}</p>
{{with .Links}}<p>Links: {{range .}}<a class="link" href="{{.}}">{{.}}</a> {{end}}</p>{{end}}
<pre class="text">{{.Text}}</pre>
{{if .HTML}}<details><summary>HTML version</summary>
<iframe sandbox title="HTML version of the mail" srcdoc="{{.HTML}}"></iframe></details>{{end}}
</article>{{end}}
</body></html>
`))

// Handler serves an inbox page with every message received, newest
// first: a development aid for local demos (the page says so), since it
// shows every code and link to whoever can reach it.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		msgs := s.Messages()
		slices.Reverse(msgs)
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src data:")
		_ = inboxPage.Execute(w, msgs)
	})
}

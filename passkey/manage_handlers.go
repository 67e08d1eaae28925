package passkey

import "net/http"

// Wire formats of the management routes. Unknown fields are refused.
type (
	listPasskeysRequest  struct{}
	listPasskeysResponse struct {
		Passkeys []Passkey `json:"passkeys"`
	}
	renamePasskeyRequest struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	deletePasskeyRequest struct {
		ID string `json:"id"`
	}
)

// mountManage adds the passkey management routes to the Handler's mux:
//
//	passkeys/list    Authorization: Bearer <ID token> {}                 → {"passkeys":[…]}
//	passkeys/rename  Authorization: Bearer <ID token> {"id":…, "name":…} → 204
//	passkeys/delete  Authorization: Bearer <ID token> {"id":…}           → 204
//
// Each takes the signed-in user's Cognito ID token and acts on that
// user's passkeys only (ListPasskeys, RenamePasskey, DeletePasskey).
func (rp *RelyingParty) mountManage(mux *http.ServeMux) {
	mux.HandleFunc("POST /passkeys/list", rp.serveListPasskeys)
	mux.HandleFunc("POST /passkeys/rename", rp.serveRenamePasskey)
	mux.HandleFunc("POST /passkeys/delete", rp.serveDeletePasskey)
}

func (rp *RelyingParty) serveListPasskeys(w http.ResponseWriter, r *http.Request) {
	const op = "list passkeys"
	if _, ok := decodeRequest[listPasskeysRequest](rp, w, r, op); !ok {
		return
	}
	idToken, ok := rp.requireBearer(w, r, op, "ID token")
	if !ok {
		return
	}
	list, err := rp.ListPasskeys(r.Context(), idToken)
	if err != nil {
		rp.respond(w, nil, err)
		return
	}
	rp.respond(w, listPasskeysResponse{Passkeys: list}, nil)
}

func (rp *RelyingParty) serveRenamePasskey(w http.ResponseWriter, r *http.Request) {
	const op = "rename passkey"
	in, ok := decodeRequest[renamePasskeyRequest](rp, w, r, op)
	if !ok {
		return
	}
	idToken, ok := rp.requireBearer(w, r, op, "ID token")
	if !ok {
		return
	}
	rp.respondNoContent(w, rp.RenamePasskey(r.Context(), idToken, in.ID, in.Name))
}

func (rp *RelyingParty) serveDeletePasskey(w http.ResponseWriter, r *http.Request) {
	const op = "delete passkey"
	in, ok := decodeRequest[deletePasskeyRequest](rp, w, r, op)
	if !ok {
		return
	}
	idToken, ok := rp.requireBearer(w, r, op, "ID token")
	if !ok {
		return
	}
	rp.respondNoContent(w, rp.DeletePasskey(r.Context(), idToken, in.ID))
}

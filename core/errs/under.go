package errs

import "errors"

// Under names err's field inside an enclosing one: a field error about
// "percent_bp" becomes one about "promotion.percent_bp" under
// "promotion". Other errors are returned as they are.
func Under(prefix string, err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	c := *e
	c.Field = prefix + "." + e.Field
	return &c
}

-- Staff reset links moved to package mailtoken's mail_tokens (shared with
-- shoppers' resets and e-mail verification). Links still live at the
-- upgrade stop working; their owners ask for a new one.
DROP TABLE password_resets;

;; A script's module definition, read as the module it defines.
(module definition $M (rec (type $t (struct (field (ref null $t))))) (global (ref null $t) (ref.null $t)))

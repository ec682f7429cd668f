
BprobabilitiesJ(z6ї=cащ=Ъ=EС§=йШй=И‚Ґ=ѕЦ=	ЯЬ=”є=M И=
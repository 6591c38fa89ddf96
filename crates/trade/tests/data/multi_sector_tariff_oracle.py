# Independent check of the two-country, three-sector optimal tariff (trade spec oracle 2):
# iterate t = 1 / sum_k chi_k theta_k lambda_FF,k on a hand-written equilibrium with equal
# final shares. Prints 0.493108 (the spec lists 0.401806 for an unstated share vector).
# Needs numpy: python3 multi_sector_tariff_oracle.py
import numpy as np
def brentq(f,a,b):
    fa=f(a)
    for _ in range(200):
        m=(a+b)/2; fm=f(m)
        if (fm>0)==(fa>0): a,fa=m,fm
        else: b=m
    return (a+b)/2
L=np.array([1.,2.]); A=np.array([1.,1.3]); tau=1.5; th=np.array([2.,5.,8.])
def eq(t, alpha):
    # home tariff t on imports from F (all sectors); solve wH with wF=1
    def shares(w):
        # lam[i,n,k]
        lam=np.zeros((2,2,3))
        for n in range(2):
            for k in range(3):
                c=np.array([(w[i]*(1 if i==n else tau)*( (1+t) if (n==0 and i==1) else 1)/A[i])**(-th[k]) for i in range(2)])
                lam[:,n,k]=c/c.sum()
        return lam
    def resid(wH):
        w=np.array([wH,1.])
        lam=shares(w)
        # income: Y0 = wH L0 + T0, T0 = sum_k t/(1+t) lam[1,0,k] alpha_k Y0
        s=sum(t/(1+t)*lam[1,0,k]*alpha[k] for k in range(3))
        Y0=wH*L[0]/(1-s); Y1=L[1]
        Y=[Y0,Y1]
        sales0=sum(lam[0,n,k]*alpha[k]*Y[n]/((1+t) if (n==0 and False) else 1) for n in range(2) for k in range(3))
        return sales0-wH*L[0], lam, Y
    wH=brentq(lambda v: resid(v)[0], 0.05, 20)
    return resid(wH)[1:], wH
def formula(alpha, t):
    (lam,Y),_=eq(t,alpha)
    X=[lam[0,1,k]*alpha[k]*Y[1] for k in range(3)]
    chi=np.array(X)/sum(X)
    return 1/sum(chi[k]*th[k]*lam[1,1,k] for k in range(3))
for name,alpha in [("equal",np.ones(3)/3)]:
    t=0.3
    for _ in range(200): t=formula(alpha,t)
    print(name,t, "baseline formula", formula(alpha,0.0))
# hypotheses
for name,alpha in [("alpha .5,.3,.2",np.array([.5,.3,.2])),("alpha .2,.3,.5",np.array([.2,.3,.5]))]:
    t=0.3
    for _ in range(200): t=formula(alpha,t)
    print(name,t)

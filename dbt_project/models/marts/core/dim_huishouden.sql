{#- One row per household renting under a tenancy agreement (huishouden_id = overeenkomst_id).
    Pseudonymous by construction: the person key (relatie_id) stays in the intermediate layer; this
    table carries only coarse classes. Classes are the household's latest known version; the age class
    is the age at the contract's end, or at the extract date while the contract runs. -#}
with

overeenkomsten as (
    select * from {{ ref('int_huurovereenkomsten') }}
),

relaties as (
    select * from {{ ref('int_relaties_historie') }}
    where is_laatste_versie
),

final as (
    select
        o.overeenkomst_id as huishouden_id,
        o.overeenkomst_id,
        {{ leeftijdsklasse('r.geboortedatum', 'case when o.is_beeindigd then o.einddatum else o.extractdatum end') }}
            as leeftijdsklasse,
        {{ leeftijdsklasse('r.geboortedatum', 'o.begindatum') }} as leeftijdsklasse_bij_start,
        r.huishoudsamenstelling,
        {{ code_naam('HUISHOUDSAMENSTELLING', 'r.huishoudsamenstelling') }} as huishoudsamenstelling_naam,
        r.personen_aantal,
        r.inkomensklasse,
        r.huurtoeslag,
        o.betaalwijze,
        (not o.is_beeindigd) as is_huidig_huishouden
    from overeenkomsten as o
    left join relaties as r
        on r.relatie_id = o.relatie_id
)

select * from final

{#- One row per tenancy agreement. Unit dimensions as the unit was at the contract's start; household
    classes as the household was at the start (leeftijdsklasse: age at the start). No person key. -#}
with

overeenkomsten as (
    select * from {{ ref('int_huurovereenkomsten') }}
),

eenheden as (
    select * from {{ ref('dim_eenheid_historie') }}
),

relaties as (
    select * from {{ ref('int_relaties_historie') }}
),

final as (
    select
        -- keys
        o.overeenkomst_id,
        o.eenheid_id,
        -- dates
        o.begindatum,
        o.einddatum,
        o.opzegdatum,
        o.is_beeindigd,
        o.is_geannuleerd,
        {{ dagen_tussen('o.begindatum', 'case when o.is_beeindigd then o.einddatum else o.extractdatum end') }}
            as looptijd_dagen,
        {{ contractduur_klasse('o.begindatum', 'case when o.is_beeindigd then o.einddatum else o.extractdatum end') }}
            as contractduur_klasse,
        -- end
        o.eindereden,
        o.eindedetailreden,
        o.overeenkomst_status,
        -- money
        o.betaalwijze,
        o.startbrutohuur,
        -- household at the start
        {{ leeftijdsklasse('r.geboortedatum', 'o.begindatum') }} as leeftijdsklasse_bij_start,
        r.huishoudsamenstelling,
        r.personen_aantal,
        r.inkomensklasse,
        r.huurtoeslag,
        -- unit at the start
        {{ eenheid_dimensies('e') }}
    from overeenkomsten as o
    left join eenheden as e
        on e.eenheid_id = o.eenheid_id and {{ versie_op('e', 'o.begindatum') }}
    left join relaties as r
        on r.relatie_id = o.relatie_id and {{ versie_op('r', 'o.begindatum') }}
)

select * from final

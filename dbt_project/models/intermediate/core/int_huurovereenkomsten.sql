{#- Tenancy agreements as known at the extract date (the current snapshot version of each), with the
    extract date for censoring. Keeps the pseudonymous relatie_id (intermediate only). -#}
with

overeenkomsten as (
    select * from {{ ref('stg_raw__huurovereenkomsten') }}
    where {{ is_actueel() }}
),

final as (
    select
        overeenkomst_id,
        eenheid_id,
        relatie_id,
        begindatum,
        einddatum,
        opzegdatum,
        eindereden,
        eindedetailreden,
        overeenkomst_status,
        betaalwijze,
        startbrutohuur,
        {{ extractdatum() }} as extractdatum,
        (einddatum is not null and einddatum <= {{ extractdatum() }}) as is_beeindigd,
        (overeenkomst_status in ('GEA', 'VER')) as is_geannuleerd
    from overeenkomsten
    where begindatum <= {{ extractdatum() }}
)

select * from final
